"""Scoring recorded answers with the real offline judge: good, hallucinated, refused, misrouted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals.answers import AskResponse, parse_answers
from evals.judges import build_judge
from evals.judges.offline import OfflineJudge
from evals.runs.record import ItemResult
from evals.runs.scoring import score_attempt, score_attempts
from evals.runs.summary import aggregate
from evals.suites import SuiteItem
from evals.targets import Attempt, RecordedTarget, collect
from indexes.embeddings import Embedder
from tests.support.recorded import (
    BAD,
    GOOD,
    REFUSAL,
    RETRIEVAL_SUITE,
    RETRIEVED,
    SUITE,
    ask,
    with_retrieval,
)

ITEMS = {i["id"]: SuiteItem.model_validate(i) for i in SUITE}


def _score(judge: OfflineJudge, item_id: str, answer: dict[str, Any]) -> ItemResult:
    attempt = Attempt(item_id, "ok", response=AskResponse.model_validate(answer))
    return score_attempt(ITEMS[item_id], attempt, judge)


def test_a_good_cited_answer_scores_full_marks(offline_judge: OfflineJudge) -> None:
    item = _score(offline_judge, "pto-carry", GOOD["pto-carry"])
    assert item.failures == []
    assert item.contributions["citation_recall"] == (1.0, 1.0)
    assert item.contributions["citation_precision"] == (1.0, 1.0)
    assert item.contributions["hallucination_sentence_rate"] == (0.0, 2.0)
    assert item.contributions["gold_citation_recall"] == (1.0, 1.0)
    assert item.contributions["route_accuracy"] == (1.0, 1.0)
    assert [s.supported for s in item.sentences] == [True, True]
    assert item.sentences[0].citations == [1] and item.sentences[0].evidence
    assert item.latency_ms == 800.0
    assert 0 < item.contributions["answer_f1"][0] < 1


def test_a_hallucinated_answer_fails_with_its_unsupported_sentences(
    offline_judge: OfflineJudge,
) -> None:
    item = _score(offline_judge, "pto-carry", BAD["pto-carry"])
    assert item.contributions["hallucination_sentence_rate"] == (2.0, 2.0)
    assert item.contributions["hallucination_answer_rate"] == (1.0, 1.0)
    assert item.contributions["citation_recall"] == (0.0, 1.0)
    assert item.failures == ["2 of 2 sentences unsupported by the passages"]
    assert all(s.supported is False and s.score is not None for s in item.sentences)
    # Citation correctness is about where it points, which is still right.
    assert item.contributions["gold_citation_precision"] == (1.0, 1.0)


def test_a_correct_refusal_is_a_success_never_nan(offline_judge: OfflineJudge) -> None:
    item = _score(offline_judge, "ceo-birthday", GOOD["ceo-birthday"])
    assert item.abstention == "correct_refusal" and item.failures == []
    assert item.contributions["abstention_recall"] == (1.0, 1.0)
    assert item.contributions["abstention_precision"] == (1.0, 1.0)
    for name in ("citation_recall", "hallucination_sentence_rate", "answer_f1"):
        assert name in item.unscorable and name not in item.contributions


def test_a_missed_refusal_and_a_wrong_route_fail(offline_judge: OfflineJudge) -> None:
    missed = _score(offline_judge, "parking", BAD["parking"])
    assert missed.abstention == "missed_refusal"
    assert missed.contributions["abstention_recall"] == (0.0, 1.0)
    assert "answered a question it should have refused" in missed.failures
    assert "routed to 'rag', expected 'none'" in missed.failures
    routed = _score(offline_judge, "passwords", BAD["passwords"])
    assert routed.contributions["route_accuracy"] == (0.0, 1.0)
    assert routed.failures == ["routed to 'both', expected 'rag'"]


def test_a_false_refusal_is_reported(offline_judge: OfflineJudge) -> None:
    item = _score(offline_judge, "per-diem", ask(REFUSAL, "none", [], abstained=True))
    assert item.abstention == "false_refusal"
    assert item.contributions["abstention_precision"] == (0.0, 1.0)
    assert "refused a question it could answer" in item.failures
    assert item.contributions["gold_citation_recall"] == (0.0, 1.0)


def test_an_adapter_answer_is_not_judged_against_passages_it_never_had(
    offline_judge: OfflineJudge,
) -> None:
    item = _score(offline_judge, "dark-robot", GOOD["dark-robot"])
    assert "hallucination_sentence_rate" in item.unscorable
    assert "citation_recall" in item.unscorable
    assert item.sentences and item.sentences[0].supported is None
    assert item.failures == []


def test_a_rag_answer_without_passages_is_unsupported(offline_judge: OfflineJudge) -> None:
    item = _score(offline_judge, "per-diem", ask("The per diem is $90 per day.", "rag", []))
    assert item.contributions["hallucination_sentence_rate"] == (1.0, 1.0)
    assert "gold_citation_precision" in item.unscorable  # it cites nothing


def test_a_refusal_without_the_flag_is_recognised_from_its_text(
    offline_judge: OfflineJudge,
) -> None:
    response = {"answer": "I don't know; the documents do not say."}
    item = _score(offline_judge, "parking", response)
    assert item.abstained is True and item.abstention == "correct_refusal"
    assert "route_accuracy" in item.unscorable and item.latency_ms is None


def test_missing_and_errored_items_are_unscorable_for_everything(
    offline_judge: OfflineJudge, embedder: Embedder
) -> None:
    attempts = [Attempt(i, "missing", error="no recorded answer") for i in ITEMS]
    attempts[1] = Attempt("per-diem", "error", error="timed out after 1 s")
    results = score_attempts(list(ITEMS.values()), attempts, offline_judge, embedder)
    for r in results:
        assert r.contributions == {} and r.abstention == "unscorable"
        assert "citation_recall" in r.unscorable and "latency" in r.unscorable
    assert results[1].unscorable["route_accuracy"] == "error: timed out after 1 s"


def test_semantic_similarity_is_scored_in_one_batch(
    offline_judge: OfflineJudge, embedder: Embedder
) -> None:
    attempts = [Attempt(i, "ok", response=AskResponse.model_validate(GOOD[i])) for i in ITEMS]
    results = score_attempts(list(ITEMS.values()), attempts, offline_judge, embedder)
    by_id = {r.id: r for r in results}
    sim = by_id["pto-carry"].contributions["semantic_similarity"][0]
    assert 0.5 < sim <= 1.0
    assert "semantic_similarity" in by_id["parking"].unscorable  # no reference answer


@pytest.mark.parametrize("answer_id", ["pto-carry", "per-diem"])
def test_alce_sentences_line_up_with_the_answer(
    offline_judge: OfflineJudge, answer_id: str
) -> None:
    item = _score(offline_judge, answer_id, GOOD[answer_id])
    assert item.sentences[0].text.endswith("[1].")
    assert all(s.citation_supported for s in item.sentences)


def test_retrieval_recall_at_k_and_mrr_of_recorded_answers() -> None:
    """The hand-computed case of tests/support/recorded.py (docs/metrics.md's worked example)."""
    text = "".join(
        json.dumps({"id": k, **v}) + "\n" for k, v in with_retrieval(GOOD, RETRIEVED).items()
    )
    target = RecordedTarget(parse_answers(text), "answers.jsonl")
    items = [SuiteItem.model_validate(i) for i in RETRIEVAL_SUITE]
    results = score_attempts(items, collect(target, items), build_judge("overlap"), None)
    by_id = {r.id: r for r in results}

    def scores(item_id: str) -> tuple[float, float, float]:
        c = by_id[item_id].contributions
        return (
            c["retrieval_recall_at_1"][0],
            c["retrieval_recall_at_5"][0],
            c["retrieval_mrr"][0],
        )

    assert scores("pto-carry") == (0.0, 1.0, 0.5)
    assert scores("per-diem") == (1.0, 1.0, 1.0)
    assert scores("passwords") == (0.0, 0.0, pytest.approx(1 / 6))
    assert [r.gold for r in by_id["pto-carry"].retrieved or []] == [False, True, False, True, False]
    assert [r.rank for r in by_id["passwords"].retrieved or []] == [1, 2, 3, 4, 5, 6]
    reasons = {
        "dark-robot": "the item has no gold citations",
        "ceo-birthday": "unanswerable item: no gold sources to retrieve",
        "parking": "unanswerable item: no gold sources to retrieve",
    }
    for item_id, reason in reasons.items():
        for name in ("retrieval_recall_at_1", "retrieval_recall_at_5", "retrieval_mrr"):
            assert by_id[item_id].unscorable[name] == reason
    assert by_id["ceo-birthday"].retrieved is not None  # recorded, just not scored
    assert by_id["parking"].retrieved is None

    metrics = aggregate(results)
    assert metrics["retrieval_recall_at_1"].value == pytest.approx(1 / 3)
    assert metrics["retrieval_recall_at_5"].value == pytest.approx(2 / 3)
    assert metrics["retrieval_mrr"].value == pytest.approx(5 / 9)
    assert metrics["retrieval_mrr"].scored == 3 and metrics["retrieval_mrr"].unscorable == 3


def test_an_answerable_item_without_a_recorded_ranking_is_unscorable_for_retrieval() -> None:
    item = SuiteItem.model_validate(SUITE[1])
    target = RecordedTarget(parse_answers(json.dumps({"id": "per-diem", **GOOD["per-diem"]})), "a")
    (result,) = score_attempts([item], collect(target, [item]), build_judge("overlap"), None)
    assert result.unscorable["retrieval_mrr"] == "the recorded answer has no 'retrieved' list"
    assert aggregate([result])["retrieval_mrr"].value is None  # n/a, never NaN
    empty = parse_answers(json.dumps({"id": "per-diem", **GOOD["per-diem"], "retrieved": []}))
    (missed,) = score_attempts(
        [item], collect(RecordedTarget(empty, "a"), [item]), build_judge("overlap"), None
    )
    assert missed.contributions["retrieval_recall_at_5"] == (0.0, 1.0)  # searched, found nothing
    assert missed.contributions["retrieval_mrr"] == (0.0, 1.0)


def test_gold_precision_needs_gold_for_an_answerable_item(offline_judge: OfflineJudge) -> None:
    no_gold = ITEMS["pto-carry"].model_copy(update={"gold_citations": []})
    attempt = Attempt("pto-carry", "ok", response=AskResponse.model_validate(GOOD["pto-carry"]))
    item = score_attempt(no_gold, attempt, offline_judge)
    assert "gold_citation_precision" not in item.contributions
    assert item.unscorable["gold_citation_precision"] == "the item has no gold citations"
