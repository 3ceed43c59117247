"""The calibration set's shape, and the measures judges are held to."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.judges.calibration import (
    agreement,
    balanced_accuracy,
    best_threshold,
    load_calibration,
)
from ragtune.errors import InputError


def test_the_set_is_large_balanced_enough_and_covers_every_kind() -> None:
    pairs = load_calibration()
    assert len(pairs) >= 160
    assert len({p.id for p in pairs}) == len(pairs)
    by_split = Counter((p.split, p.supported) for p in pairs)
    for split in ("calibration", "heldout"):
        assert by_split[(split, True)] >= 30 and by_split[(split, False)] >= 30
    kinds = Counter(p.kind for p in pairs if not p.supported)
    for kind in ("number", "entity", "swap", "added", "negation", "contradiction", "date"):
        assert kinds[kind] >= 5 or (kind == "date" and kinds[kind] >= 3), kind
    assert sum(1 for p in pairs if p.supported and p.kind == "paraphrase") >= 60


def test_no_premise_is_in_both_splits() -> None:
    splits: dict[str, set[str]] = {}
    for p in load_calibration():
        splits.setdefault(p.premise, set()).add(p.split)
    assert all(len(s) == 1 for s in splits.values())


def test_a_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"c.jsonl:1"):
        load_calibration(path)


def test_balanced_accuracy_averages_the_two_class_rates() -> None:
    labels = [True] * 4 + [False] * 6
    predictions = [True, True, True, False] + [True] + [False] * 5
    assert balanced_accuracy(labels, predictions) == pytest.approx((3 / 4 + 5 / 6) / 2)


def test_agreement_and_kappa() -> None:
    a = [True, True, False, False]
    assert agreement(a, a).rate == 1.0 and agreement(a, a).kappa == 1.0
    opposite = agreement(a, [not x for x in a])
    assert opposite.rate == 0.0 and opposite.kappa == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        agreement(a, a[:2])


def test_best_threshold_sits_between_the_classes() -> None:
    assert best_threshold([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == pytest.approx(0.5)
