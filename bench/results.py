"""Write a benchmark's JSON result and render its summary as a markdown table."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_result(name: str, payload: dict[str, Any], *, quick: bool = False) -> Path:
    """Write ``payload`` to bench/results/<name>.json (``<name>.quick.json`` for smoke runs,
    so a smoke test never overwrites the numbers the README quotes)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / (f"{name}.quick.json" if quick else f"{name}.json")
    path.write_text(json.dumps(payload, indent=2, sort_keys=False, default=_plain) + "\n")
    return path


def _plain(value: object) -> object:
    # Settings and configs hold sets (the agent's draft routes); JSON has lists.
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def publish(
    name: str,
    result: dict[str, Any] | None,
    table: Callable[[dict[str, Any]], str],
    *,
    quick: bool = False,
) -> int:
    """Write ``result`` (see write_result) and print its table; the exit code for main().

    None means the benchmark had nothing to measure (its corpus is absent) and said so."""
    if result is None:
        return 0
    path = write_result(name, result, quick=quick)
    print(table(result))
    print(f"\nwrote {path}")
    return 0


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table; floats are shown with up to 3 significant decimals."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation, as numpy computes it."""
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")
