"""The labelled calibration set, the measures judges are held to, and threshold calibration.

evals/data/calibration.jsonl holds premise/sentence pairs written for ragtune, each labelled
supported or not and marked ``"split": "calibration"`` or ``"heldout"``. Whole premises are
assigned to one split, so no premise is seen on both sides.

Thresholds are fitted on the fitting set: that calibration split, and the first set of pairs
written on the 18F handbook (samples/heldout/18f-handbook/judge_pairs.jsonl), which stopped
being blind once the judge was changed after reading its results. A threshold fitted on the
sample company alone fits text written alongside the code; with a real handbook beside it, it
fits two writers. The held-out split and the second 18F set (judge_pairs_b.jsonl, never
looked at before measuring) are for reporting only.

    python -m evals.judges.calibration   # refit thresholds, print the figures of each set
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
REPO = Path(__file__).resolve().parents[2]
HANDBOOK_PAIRS = REPO / "samples" / "heldout" / "18f-handbook" / "judge_pairs.jsonl"
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


def _read_pairs(path: Path, relabel: Split | None = None) -> list[CalibrationPair]:
    pairs: list[CalibrationPair] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if relabel is not None:
                record["split"] = relabel
            pairs.append(CalibrationPair.model_validate(record))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"{path}:{number}: bad calibration pair: {exc}") from None
    return pairs


def load_calibration(
    path: Path = CALIBRATION_FILE, split: Split | None = None
) -> list[CalibrationPair]:
    """Read the calibration set (one split, or both), failing with the line of any bad record."""
    return [p for p in _read_pairs(path) if split is None or p.split == split]


def fitting_pairs() -> list[CalibrationPair]:
    """The pairs thresholds are fitted on: the sample company's calibration split, then the
    first 18F handbook set."""
    return load_calibration(split="calibration") + load_pairs(HANDBOOK_PAIRS)


def load_pairs(path: Path) -> list[CalibrationPair]:
    """A judge-pair file in the calibration format, whatever its ``split`` says (read as
    held out)."""
    return _read_pairs(path, relabel="heldout")


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
    """Fit the offline and overlap thresholds on the fitting pairs and report them and the
    sample held-out split."""
    from evals.judges.offline import OfflineJudge
    from evals.judges.overlap import OverlapJudge
    from indexes.embeddings import load_embedder
    from ragtune.resources import quiet_libraries
    from ragtune.settings import BUNDLED_EMBED_MODEL

    quiet_libraries()
    calibration, heldout = fitting_pairs(), load_calibration(split="heldout")
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
            ("fitting", calibration, fit),
            ("sample held-out split", heldout, score_fn(heldout)),
        ):
            labels = [p.supported for p in pairs]
            acc = balanced_accuracy(labels, [s >= threshold for s in scores])
            report.append(f"{split_name} {acc:.3f}")
        print(f"{name}: threshold {threshold:.4f}; balanced accuracy " + ", ".join(report))


if __name__ == "__main__":
    main()
