"""A run's metrics from its items' results: sums of numerators over sums of denominators,
latency percentiles, n/a (never NaN) when nothing was scored; checked against the worked
examples of docs/metrics.md."""

from __future__ import annotations

import pytest

from evals.runs.record import ItemResult
from evals.runs.summary import BY_NAME, metric_value


def _item(
    n: int,
    contributions: dict[str, tuple[float, float]] | None = None,
    unscorable: dict[str, str] | None = None,
    latency_ms: float | None = None,
) -> ItemResult:
    return ItemResult(
        id=f"q{n}",
        question="q?",
        expected_route="rag",
        answerable=True,
        status="ok",
        contributions=contributions or {},
        unscorable=unscorable or {},
        latency_ms=latency_ms,
    )


def test_a_mean_leaves_unscorable_items_out_and_is_na_when_none_is_scored() -> None:
    items = [
        _item(1, {"answer_f1": (1.0, 1.0)}),
        _item(2, unscorable={"answer_f1": "the item has no reference answer"}),
        _item(3, {"answer_f1": (0.0, 1.0)}),
    ]
    assert metric_value(BY_NAME["answer_f1"], items).value == 0.5
    assert metric_value(BY_NAME["answer_f1"], items[1:2]).value is None


def test_citation_scores_average_over_the_answers_with_sentences() -> None:
    # The ALCE recall of the edge-case answers of test_metrics.py: 1/3, an answer without
    # sentences, 1.0.
    items = [
        _item(1, {"citation_recall": (1 / 3, 1.0)}),
        _item(2, unscorable={"citation_recall": "the answer has no sentences"}),
        _item(3, {"citation_recall": (1.0, 1.0)}),
    ]
    recall = metric_value(BY_NAME["citation_recall"], items)
    assert recall.unscorable == 1 and recall.denominator == 2


def test_hallucination_worked_example() -> None:
    # Three answers: 3 sentences all supported, 2 sentences with one unsupported, and an
    # abstention (no sentences), as evals/runs/scoring.py records them.
    items = [
        _item(
            1,
            {"hallucination_sentence_rate": (0.0, 3.0), "hallucination_answer_rate": (0.0, 1.0)},
        ),
        _item(
            2,
            {"hallucination_sentence_rate": (1.0, 2.0), "hallucination_answer_rate": (1.0, 1.0)},
        ),
        _item(
            3,
            unscorable={
                "hallucination_sentence_rate": "abstained: no claims to check",
                "hallucination_answer_rate": "abstained: no claims to check",
            },
        ),
    ]
    assert metric_value(BY_NAME["hallucination_sentence_rate"], items).value == pytest.approx(0.2)
    assert metric_value(BY_NAME["hallucination_answer_rate"], items).value == 0.5
    assert metric_value(BY_NAME["hallucination_sentence_rate"], items[2:]).value is None


def test_latency_worked_example() -> None:
    items = [_item(n, latency_ms=ms) for n, ms in enumerate([100, 200, 300, 400, 1000])]
    assert metric_value(BY_NAME["latency_p50_ms"], items).value == 300
    assert metric_value(BY_NAME["latency_p95_ms"], items).value == pytest.approx(880)
    assert metric_value(BY_NAME["latency_p50_ms"], [_item(1)]).value is None
