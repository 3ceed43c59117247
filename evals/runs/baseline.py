"""Find the baseline run for the gate: a ``run.json`` path (or run folder), else a stored run id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evals.runs.record import RunRecord, read_run_file
from indexes.database import Database


def load_baseline(ref: str, database: Callable[[], Database]) -> tuple[RunRecord, str]:
    """The run ``ref`` names and where it came from.

    An existing path is read as a run file; anything else is a run id looked up in the
    database (``database`` is only called then, so a file baseline needs no database).
    """
    path = Path(ref)
    if path.exists():
        return read_run_file(path), str(path)
    if ref.endswith(".json") or "/" in ref:
        # Looks like a path the user mistyped: say so rather than "no such run id".
        return read_run_file(path), str(path)
    from evals.runs.store import get_run

    return get_run(database(), ref), f"run {ref} (database)"
