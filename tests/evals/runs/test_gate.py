"""The regression gate: paired bootstrap intervals of each metric's change, with tolerances."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals.answers import parse_answers
from evals.judges import build_judge
from evals.runs.gate import DEFAULT_TOLERANCES, compare_runs, resolve_tolerances
from evals.runs.record import GateMetric, GateResult, ItemResult, RunRecord
from evals.runs.runner import run_suite
from evals.runs.summary import BY_NAME, RETRIEVAL_METRICS, aggregate
from evals.suites import Suite, SuiteItem
from evals.targets import RecordedTarget
from ragtune.errors import ConfigError
from tests.support.recorded import (
    GOOD,
    RETRIEVAL_SUITE,
    RETRIEVED,
    TRAVEL_FILE,
    hit,
    with_retrieval,
)


def _item(
    i: int, recall: float = 1.0, unsupported: float = 0.0, latency: float | None = 100.0
) -> ItemResult:
    return ItemResult(
        id=f"q{i:03d}",
        question=f"question {i}?",
        expected_route="rag",
        answerable=True,
        status="ok",
        answer={"answer": f"answer {i} recall {recall}"},
        route="rag",
        latency_ms=latency,
        contributions={
            "citation_recall": (recall, 1.0),
            "hallucination_sentence_rate": (unsupported, 2.0),
            "route_accuracy": (1.0, 1.0),
        },
    )


def _run(run_id: str, items: list[ItemResult]) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        suite="s",
        status="complete",
        started_at="2024-11-25T14:00:00+00:00",
        finished_at="2024-11-25T14:01:00+00:00",
        seconds=60.0,
        config={},
        metrics=aggregate(items),
        items=items,
    )


def _metric(gate: GateResult, name: str) -> GateMetric:
    return next(m for m in gate.metrics if m.metric == name)


BASE = _run("base", [_item(i) for i in range(40)])


def test_an_equal_run_passes_with_a_zero_interval() -> None:
    gate = compare_runs(BASE, _run("new", [_item(i) for i in range(40)]))
    assert gate.passed and gate.regressions == []
    recall = _metric(gate, "citation_recall")
    assert (recall.change, recall.ci_low, recall.ci_high) == (0.0, 0.0, 0.0)
    assert recall.verdict == "no change" and recall.paired_items == 40
    assert _metric(gate, "answer_f1").verdict == "n/a"  # scored in neither run
    assert _metric(gate, "latency_p95_ms").tolerance is None  # reported, not gated


def test_a_real_drop_is_a_regression_with_its_reason() -> None:
    new = _run("new", [_item(i, recall=0.0 if i % 2 else 1.0) for i in range(40)])
    gate = compare_runs(BASE, new, resamples=2000, seed=7)
    assert gate.regressions == ["citation_recall"] and not gate.passed
    recall = _metric(gate, "citation_recall")
    assert recall.baseline == 1.0 and recall.new == 0.5 and recall.change == -0.5
    assert recall.ci_low is not None and recall.ci_high is not None
    tolerance = DEFAULT_TOLERANCES["citation_recall"]
    assert tolerance is not None and recall.ci_low < -0.5 < recall.ci_high < -tolerance
    assert "baseline 1, new 0.5, change -0.5, 95% CI [" in recall.reason
    assert "over 40 paired items" in recall.reason


def test_a_drop_within_the_noise_or_the_tolerance_passes() -> None:
    one_worse = _run("new", [_item(i, recall=0.0 if i == 3 else 1.0) for i in range(40)])
    gate = compare_runs(BASE, one_worse)
    recall = _metric(gate, "citation_recall")
    assert recall.change == pytest.approx(-0.025)
    assert recall.ci_high is not None and recall.ci_high >= -0.05  # within tolerance
    assert gate.passed


def test_for_lower_is_better_metrics_a_rise_is_the_regression() -> None:
    new = _run("new", [_item(i, unsupported=1.0 if i % 4 == 0 else 0.0) for i in range(40)])
    gate = compare_runs(BASE, new)
    rate = _metric(gate, "hallucination_sentence_rate")
    assert rate.higher_is_better is False
    assert rate.new == pytest.approx(10 / 80) and rate.baseline == 0.0  # sum over sum
    assert rate.ci_low is not None and rate.ci_low > 0.03
    assert gate.regressions == ["hallucination_sentence_rate"]
    better = compare_runs(new, BASE)
    assert _metric(better, "hallucination_sentence_rate").verdict == "improvement"
    assert better.passed


def test_only_items_both_runs_answered_are_paired() -> None:
    items = [_item(i) for i in range(1, 40)] + [_item(99, recall=0.0)]
    items[0].contributions.pop("citation_recall")  # q001 answered, unscorable in the new run
    items[1].answer = None  # q002: an error in the new run, not an answer
    gate = compare_runs(BASE, _run("new", items))
    assert gate.shared_items == 39
    assert gate.only_in_baseline == ["q000"] and gate.only_in_new == ["q099"]
    recall = _metric(gate, "citation_recall")
    # q001 counts for the baseline only; q002 for neither; q099 is in one run only.
    assert recall.paired_items == 38 and recall.change == 0.0
    assert gate.passed


def _refusal(i: int, answerable: bool) -> ItemResult:
    item = _item(i)
    item.contributions = {"abstention_precision": (0.0 if answerable else 1.0, 1.0)}
    return item


def test_questions_newly_refused_weigh_in_abstention_precision() -> None:
    # The baseline refuses the 10 unanswerable questions and answers the 30 others; the new
    # run also refuses 20 answerable ones. Both runs answered every item.
    answered = [_item(i) for i in range(10, 40)]
    for item in answered:
        item.contributions = {}
    base = _run("base", [_refusal(i, False) for i in range(10)] + answered)
    new = _run(
        "new",
        [_refusal(i, False) for i in range(10)]
        + [_refusal(i, True) for i in range(10, 30)]
        + [_item(i) for i in range(30, 40)],
    )
    gate = compare_runs(base, new)
    precision = _metric(gate, "abstention_precision")
    assert precision.paired_items == 30
    assert precision.baseline == 1.0 and precision.new == pytest.approx(1 / 3)
    assert gate.regressions == ["abstention_precision"]


def test_latency_is_gated_when_a_tolerance_is_configured() -> None:
    slow = _run("new", [_item(i, latency=400.0) for i in range(40)])
    assert compare_runs(BASE, slow).passed
    gate = compare_runs(BASE, slow, tolerances={"latency_p95_ms": 100.0})
    assert gate.regressions == ["latency_p95_ms"]
    assert _metric(gate, "latency_p95_ms").change == 300.0


def test_tolerances_can_switch_a_gate_off_and_unknown_names_are_refused() -> None:
    new = _run("new", [_item(i, recall=0.0 if i % 2 else 1.0) for i in range(40)])
    assert compare_runs(BASE, new, tolerances={"citation_recall": None}).passed
    assert compare_runs(BASE, new, tolerances={"citation_recall": 0.6}).passed
    with pytest.raises(ConfigError, match="citation_recal"):
        resolve_tolerances({"citation_recal": 0.1})
    with pytest.raises(ConfigError, match="negative"):
        resolve_tolerances({"route_accuracy": -0.1})


def test_the_interval_is_reproducible_for_a_seed() -> None:
    new = _run("new", [_item(i, recall=(i % 5) / 4) for i in range(40)])
    first = _metric(compare_runs(BASE, new, seed=3), "citation_recall")
    again = _metric(compare_runs(BASE, new, seed=3), "citation_recall")
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)


def test_the_gate_keeps_the_baseline_answers_for_the_report_diff() -> None:
    gate = compare_runs(BASE, _run("new", [_item(i) for i in range(2)]))
    assert gate.baseline_answers == {"q000": "answer 0 recall 1.0", "q001": "answer 1 recall 1.0"}


def test_every_metric_has_a_default_tolerance_entry() -> None:
    assert set(DEFAULT_TOLERANCES) == set(BY_NAME)
    for name in RETRIEVAL_METRICS:
        assert BY_NAME[name].higher_is_better and DEFAULT_TOLERANCES[name] == 0.05


COPIES = 10  # 30 items scored for retrieval: enough for the interval to exclude zero


def _recorded_run(run_id: str, retrieved: dict[str, list[dict[str, Any]]]) -> RunRecord:
    """A run of the recorded answers with these rankings, over COPIES copies of the suite."""
    items = [
        SuiteItem.model_validate({**i, "id": f"{i['id']}-{c}"})
        for c in range(COPIES)
        for i in RETRIEVAL_SUITE
    ]
    answers = with_retrieval(GOOD, retrieved)
    text = "".join(
        json.dumps({**answers[i.id.rsplit("-", 1)[0]], "id": i.id}) + "\n" for i in items
    )
    target = RecordedTarget(parse_answers(text), f"{run_id}.jsonl")
    run = run_suite(Suite(name="s", items=items), target, build_judge("overlap"), None, config={})
    return run.model_copy(update={"run_id": run_id})


def test_the_gate_flags_a_retrieval_recall_drop_and_passes_an_equal_run() -> None:
    base = _recorded_run("base", RETRIEVED)
    # The per-diem gold falls from rank 1 to rank 6: recall@1 and @5 of that item go to 0.
    buried = [hit(TRAVEL_FILE, "Travel > 9. Other"), *([hit("faq/faq.md")] * 4)]
    worse = _recorded_run("worse", {**RETRIEVED, "per-diem": buried + RETRIEVED["per-diem"]})
    assert worse.metrics["retrieval_recall_at_5"].value == pytest.approx(1 / 3)

    gate = compare_runs(base, worse, resamples=500)
    assert gate.regressions == list(RETRIEVAL_METRICS)  # the answers are the same
    recall = _metric(gate, "retrieval_recall_at_5")
    assert recall.paired_items == 3 * COPIES
    assert recall.baseline == pytest.approx(2 / 3) and recall.new == pytest.approx(1 / 3)
    assert recall.ci_high is not None and recall.ci_high < -0.05
    assert "Retrieval recall@5 (gold sources): baseline 0.6667, new 0.3333" in recall.reason
    mrr = _metric(gate, "retrieval_mrr")
    assert mrr.change == pytest.approx((1 / 6 - 1) / 3)

    same = compare_runs(base, _recorded_run("same", RETRIEVED), resamples=500)
    assert same.passed
    for name in RETRIEVAL_METRICS:
        m = _metric(same, name)
        assert m.verdict == "no change" and m.change == 0.0 and m.paired_items == 3 * COPIES


def test_runs_of_different_suites_are_not_compared() -> None:
    from ragtune.errors import InputError

    other = _run("other", [_item(i) for i in range(40)]).model_copy(update={"suite": "t"})
    with pytest.raises(InputError, match="only compares runs of the same suite"):
        compare_runs(BASE, other)


def test_a_metric_one_run_never_scored_is_not_compared() -> None:
    answered = [_item(i) for i in range(20)]
    refusing = [_refusal(i, True) for i in range(20)]
    precision = _metric(
        compare_runs(_run("base", answered), _run("new", refusing)), "abstention_precision"
    )
    assert precision.verdict == "n/a" and precision.new == 0.0 and precision.baseline is None
    assert precision.reason.endswith("the baseline scored none of the 20 items compared")
