"""``ragtune train --format raft`` refuses data that is not RAFT items in the agent's prompt."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generation.grounded_prompt import BOTH_SYSTEM
from ragtune.errors import InputError
from training.data.records import QAPair


def check_raft_pairs(pairs: Sequence[QAPair], file: Path) -> None:
    """InputError naming the first pair whose system turn is not the "both" route's prompt
    with sources (a closed-book pair, or RAFT data built for another prompt version)."""
    for pair in pairs:
        system = pair.system or ""
        if not system.startswith(BOTH_SYSTEM) or "<source n=" not in system:
            raise InputError(
                f"{file}:{pair.line}: record {pair.id!r} is not a RAFT item for the agent's "
                "current 'both' prompt",
                hint="build the file with ragtune data raft, or train it with --format qa",
            )
