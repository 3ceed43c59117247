"""Marker files recording which source a cached model folder was made from (the GGUF behind a
converted copy, the full-precision copy behind a 4-bit one), so a changed source is redone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WEIGHTS = "model.safetensors"


def write_marker(folder: Path, marker: str, record: dict[str, Any]) -> None:
    """Record where ``folder``'s weights came from, next to them."""
    (folder / marker).write_text(json.dumps(record, indent=2) + "\n")


def read_marker(folder: Path, marker: str) -> Any | None:
    """What ``folder``'s marker records, or None when the folder has no finished weights or no
    readable marker (a cache to rebuild)."""
    path = folder / marker
    if not path.is_file() or not (folder / WEIGHTS).is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
