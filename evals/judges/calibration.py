"""The labelled calibration set, the measures judges are held to, and threshold calibration.

evals/data/calibration.jsonl holds premise/sentence pairs written for ragtune, each labelled
supported or not and marked ``"split": "calibration"`` or ``"heldout"``. Whole premises are
assigned to one split, so no premise is seen on both sides. Thresholds are fitted on the
calibration split only; the held-out split is for reporting.

    python -m evals.judges.calibration   # refit thresholds, print both splits' figures
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ragtune.errors import InputError

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "data" / "calibration.jsonl"
Split = Literal["calibration", "heldout"]


class CalibrationPair(BaseModel):
    """One labelled pair: does ``premise`` support ``sentence``?"""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    premise: str
    sentence: str
    supported: bool
    kind: str
    source: str
    split: Split


def load_calibration(
    path: Path = CALIBRATION_FILE, split: Split | None = None
) -> list[CalibrationPair]:
    """Read the calibration set (one split, or both), failing with the line of any bad record."""
    pairs: list[CalibrationPair] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pair = CalibrationPair.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"{path}:{number}: bad calibration pair: {exc}") from None
        if split is None or pair.split == split:
            pairs.append(pair)
    return pairs


def balanced_accuracy(labels: Sequence[bool], predictions: Sequence[bool]) -> float:
    """Mean of the true-positive and true-negative rates (a class that is absent is skipped)."""
    rates = []
    for cls in (True, False):
        picked = [p for label, p in zip(labels, predictions, strict=True) if label is cls]
        if picked:
            rates.append(sum(1 for p in picked if p is cls) / len(picked))
    return sum(rates) / len(rates) if rates else 0.0


@dataclass(frozen=True)
class Agreement:
    """How often two judges (or a judge and the labels) agree, raw and chance-corrected."""

    rate: float
    kappa: float


def agreement(a: Sequence[bool], b: Sequence[bool]) -> Agreement:
    """Raw agreement and Cohen's kappa between two verdict lists of equal length."""
    n = len(a)
    if n == 0 or n != len(b):
        raise ValueError("agreement needs two non-empty lists of equal length")
    observed = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    kappa = 1.0 if expected == 1 else (observed - expected) / (1 - expected)
    return Agreement(rate=observed, kappa=kappa)


def best_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The cut maximising balanced accuracy (``score >= cut`` means supported).

    Among equally good cuts the middle of the widest gap wins, so the threshold sits between
    the classes rather than on a training example.
    """
    ordered = sorted(set(scores))
    cuts = [ordered[0] - 1e-6, *((lo + hi) / 2 for lo, hi in pairwise(ordered)), ordered[-1] + 1e-6]
    accuracy = [balanced_accuracy(labels, [s >= c for s in scores]) for c in cuts]
    best = max(accuracy)
    # Runs of consecutive winning cuts; the widest (in score) wins, then the lowest.
    runs: list[tuple[int, int]] = []
    for i, acc in enumerate(accuracy):
        if acc != best:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    first, last = max(runs, key=lambda r: (cuts[r[1]] - cuts[r[0]], -cuts[r[0]]))
    return round((cuts[first] + cuts[last]) / 2, 4)


def main() -> None:
    """Fit the offline and overlap thresholds on the calibration split and report both splits."""
    from evals.judges.offline import OfflineJudge
    from evals.judges.overlap import OverlapJudge
    from indexes.embeddings import load_embedder
    from ragtune.resources import quiet_libraries
    from ragtune.settings import BUNDLED_EMBED_MODEL

    quiet_libraries()
    calibration, heldout = load_calibration(split="calibration"), load_calibration(split="heldout")
    offline = OfflineJudge(load_embedder(BUNDLED_EMBED_MODEL))
    overlap = OverlapJudge()
    for name, score_fn in (
        (
            "offline",
            lambda ps: [
                offline.score(a) for a in offline.align_many([(p.premise, p.sentence) for p in ps])
            ],
        ),
        ("overlap", lambda ps: [overlap.score([p.premise], p.sentence) for p in ps]),
    ):
        fit = score_fn(calibration)
        threshold = best_threshold(fit, [p.supported for p in calibration])
        report = []
        for split_name, pairs, scores in (
            ("calibration", calibration, fit),
            ("heldout", heldout, score_fn(heldout)),
        ):
            labels = [p.supported for p in pairs]
            acc = balanced_accuracy(labels, [s >= threshold for s in scores])
            report.append(f"{split_name} {acc:.3f}")
        print(f"{name}: threshold {threshold:.4f}; balanced accuracy " + ", ".join(report))


if __name__ == "__main__":
    main()
