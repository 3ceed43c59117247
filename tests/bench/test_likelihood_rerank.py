"""The likelihood re-rank bench's fit: the weight that scores best over the sets fitted on,
each set counting the same, the smaller weight on a tie."""

from __future__ import annotations

from typing import Any

from bench.likelihood_rerank import WEIGHTS, _merged, best_weight


def _set(questions: int, mrr: dict[float, float]) -> dict[str, Any]:
    return {
        "questions": questions,
        "by_weight": {str(w): {"mrr": mrr.get(w, 0.5), "recall": 0.9} for w in WEIGHTS},
    }


def test_the_best_weight_counts_each_set_the_same_and_prefers_the_smaller() -> None:
    big = _set(200, {0.3: 0.6})
    small = _set(20, {0.1: 0.8})
    # 0.1 lifts the small set by 0.3, 0.3 the big one by 0.1: each set counts the same.
    assert best_weight(big, small) == 0.1
    assert best_weight(_set(10, {0.2: 0.7, 0.5: 0.7})) == 0.2
    assert best_weight(_set(10, {})) == 0.0


def test_merged_sets_weigh_by_their_questions() -> None:
    merged = _merged([_set(30, {0.2: 0.9}), _set(10, {0.2: 0.5})])
    assert merged["questions"] == 40
    assert abs(merged["by_weight"]["0.2"]["mrr"] - 0.8) < 1e-9
