"""A deterministic train/validation split, stratified by domain.

Each pair's place is decided by a hash of (seed, domain, question, answer), not by its position
in the file: the same seed gives the same split on every machine, and reordering the file or
adding a pair to one domain does not reshuffle the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from ragtune.errors import InputError
from training.data.records import QAPair
from training.data.similarity import normalise


@dataclass
class Split:
    """The two sides of a split and how many of each domain went where."""

    train: list[QAPair]
    validation: list[QAPair]
    seed: int
    validation_fraction: float
    by_domain: dict[str, dict[str, int]] = field(default_factory=dict)


def _rank(seed: int, pair: QAPair) -> str:
    key = "\x1f".join((str(seed), pair.domain, normalise(pair.question), normalise(pair.answer)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest() + pair.id


def split_pairs(
    pairs: Sequence[QAPair], *, validation_fraction: float, seed: int, min_pairs: int
) -> Split:
    """Split ``pairs``; every domain with two or more pairs puts at least one in validation.

    Raises InputError ("too little data for a split") with fewer than ``min_pairs`` pairs.
    """
    if not 0 < validation_fraction < 1:
        raise InputError(f"validation fraction must be between 0 and 1, got {validation_fraction}")
    if len(pairs) < max(min_pairs, 2):
        raise InputError(
            f"Too little data for a split: {len(pairs)} usable pairs, at least "
            f"{max(min_pairs, 2)} needed",
            hint="add more question/answer pairs, or fix the records the report dropped",
        )
    by_domain: dict[str, list[QAPair]] = {}
    for pair in pairs:
        by_domain.setdefault(pair.domain, []).append(pair)
    train: list[QAPair] = []
    validation: list[QAPair] = []
    counts: dict[str, dict[str, int]] = {}
    for domain in sorted(by_domain):
        members = sorted(by_domain[domain], key=lambda p: _rank(seed, p))
        n_val = round(len(members) * validation_fraction)
        # A domain with two or more pairs is always represented on both sides.
        if len(members) >= 2:
            n_val = min(max(n_val, 1), len(members) - 1)
        else:
            n_val = 0
        validation += members[:n_val]
        train += members[n_val:]
        counts[domain] = {"train": len(members) - n_val, "validation": n_val}
    if not validation:
        raise InputError(
            f"Too little data for a split: no domain has two or more of the {len(pairs)} pairs",
            hint="add more question/answer pairs per domain",
        )
    order = {id(p): i for i, p in enumerate(pairs)}
    train.sort(key=lambda p: order[id(p)])
    validation.sort(key=lambda p: order[id(p)])
    return Split(train, validation, seed, validation_fraction, counts)
