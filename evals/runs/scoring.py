"""Score each item of a run: what one attempt contributes to every run metric, with the metric
functions of evals/metrics.py (evals/runs/summary.py adds the contributions up).

Per item: ALCE citation recall and precision (passages are the citations' quotes, by ``n``),
citation correctness against the gold sources, retrieval recall@k and reciprocal rank of the
gold sources in the target's ranked search results, hallucination (each sentence judged
against all the passages the answer was given), token F1 and semantic similarity against the
reference, the abstention outcome, the route, the latency. What cannot be scored is named with
the reason (``ItemResult.unscorable``), never turned into a number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from evals.answers import AskResponse
from evals.citations import split_cited_sentences
from evals.judges.protocol import Judge
from evals.metrics import (
    SourceRef,
    abstention_outcome,
    alce_citations,
    answers_question,
    citation_correctness,
    looks_like_refusal,
    recall_at_k,
    reciprocal_rank,
    semantic_similarity,
    source_matches,
    token_f1,
)
from evals.runs.record import ItemResult, RetrievedResult, SentenceResult
from evals.runs.summary import RATIO_METRICS, RETRIEVAL_KS, RETRIEVAL_METRICS, recall_at_k_metric
from evals.suites import SuiteItem
from evals.targets import Attempt
from indexes.embeddings import Embedder

NO_CONTEXT = "the answer cites no passage, so nothing supports it"
# Scored on the answer's sentences: an abstention or an empty answer has none to score.
CLAIM_METRICS = (
    "citation_recall",
    "citation_precision",
    "hallucination_sentence_rate",
    "hallucination_answer_rate",
)


def _passages(response: AskResponse) -> list[str]:
    """Quotes by citation number (1-based): passage ``n`` is ``passages[n - 1]``."""
    if not response.citations:
        return []
    passages = [""] * max(c.n for c in response.citations)
    for c in response.citations:
        passages[c.n - 1] = c.quote
    return passages


def _latency(attempt: Attempt, response: AskResponse) -> float | None:
    """The agent's own total when it reports one, else the measured wall time, else the sum
    of the reported node timings (recorded answers have no wall time)."""
    timings = response.timings_ms
    if "total" in timings:
        return float(timings["total"])
    if attempt.wall_ms is not None:
        return attempt.wall_ms
    return float(sum(timings.values())) if timings else None


def _unanswered(item: ItemResult, reason: str) -> ItemResult:
    for name in (*RATIO_METRICS, "latency"):
        item.unscorable[name] = reason
    return item


def _claims(item: ItemResult, response: AskResponse, judge: Judge) -> None:
    """Sentences, ALCE citation scores and hallucination of an answer that makes claims."""
    sentences = split_cited_sentences(response.answer)
    if not sentences:
        for name in CLAIM_METRICS:
            item.unscorable[name] = "the answer has no sentences"
        return
    alce = alce_citations(judge, response.answer, _passages(response))
    assert alce is not None  # there are sentences
    context = [c.quote for c in response.citations if c.quote.strip()]
    route = item.route or item.expected_route
    if route == "adapter" and not response.citations:
        # The adapter path cites nothing by design (the routing policy): a missing
        # citation there is not a citation failure; route accuracy says if it was the
        # right path.
        for name in ("citation_recall", "citation_precision"):
            item.unscorable[name] = "adapter answer: no citations expected"
    else:
        item.contributions["citation_recall"] = (alce.recall, 1.0)
        item.contributions["citation_precision"] = (alce.precision, 1.0)
    judged: list[tuple[bool | None, float | None, str]]
    if context:
        verdicts = judge.judge_many([(context, s.text) for s in sentences])
        judged = [(v.supported, v.score, v.evidence) for v in verdicts]
    elif route == "adapter":
        # The adapter answers from what it learned, with no passages: support cannot be
        # judged here; answer correctness scores it instead.
        judged = [(None, None, "adapter answer: no passages to judge against")] * len(sentences)
    else:
        judged = [(False, 0.0, NO_CONTEXT)] * len(sentences)
    for s, alce_s, (ok, score, evidence) in zip(sentences, alce.sentences, judged, strict=True):
        item.sentences.append(
            SentenceResult(
                text=s.raw,
                supported=ok,
                score=score,
                evidence=evidence,
                citations=list(s.citations),
                citation_supported=alce_s.supported,
                irrelevant_citations=list(alce_s.irrelevant),
            )
        )
    if judged[0][0] is None:
        for name in ("hallucination_sentence_rate", "hallucination_answer_rate"):
            item.unscorable[name] = "adapter answer: no passages to judge against"
        return
    unsupported = sum(1 for ok, _, _ in judged if not ok)
    item.contributions["hallucination_sentence_rate"] = (float(unsupported), float(len(judged)))
    item.contributions["hallucination_answer_rate"] = (1.0 if unsupported else 0.0, 1.0)
    if unsupported:
        item.failures.append(
            f"{unsupported} of {len(judged)} sentence{'s' if len(judged) != 1 else ''} "
            "unsupported by the passages"
        )


def _gold(item: ItemResult, response: AskResponse, suite_item: SuiteItem) -> None:
    cited = [SourceRef(c.source, c.section or None, c.page) for c in response.citations]
    gold = [SourceRef(g.source, g.section, g.page) for g in suite_item.gold_citations]
    scores = citation_correctness(cited, gold)
    if scores.precision.value is None:
        item.unscorable["gold_citation_precision"] = "the answer cites nothing"
    elif not gold and suite_item.answerable:
        # No gold was written for it: nothing says which citations are right.
        item.unscorable["gold_citation_precision"] = "the item has no gold citations"
    else:
        item.contributions["gold_citation_precision"] = (scores.precision.value, 1.0)
    if scores.recall.value is None:
        item.unscorable["gold_citation_recall"] = "the item has no gold citations"
    else:
        item.contributions["gold_citation_recall"] = (scores.recall.value, 1.0)


def _retrieval(item: ItemResult, attempt: Attempt, suite_item: SuiteItem) -> None:
    """Recall@k and reciprocal rank of the gold sources in the ranked retrieval (answerable
    items with gold citations only; the ranking is recorded for every item that has one)."""
    gold = [SourceRef(g.source, g.section, g.page) for g in suite_item.gold_citations]
    retrieved = attempt.retrieved
    if retrieved is not None:
        item.retrieved = [
            RetrievedResult(
                rank=rank,
                source=r.source,
                section=r.section,
                page=r.page,
                gold=any(source_matches(r, g) for g in gold),
            )
            for rank, r in enumerate(retrieved, start=1)
        ]
    if not suite_item.answerable:
        reason = "unanswerable item: no gold sources to retrieve"
    elif not gold:
        reason = "the item has no gold citations"
    elif retrieved is None:
        reason = attempt.retrieval_note or "the target recorded no retrieval"
    else:
        for k in RETRIEVAL_KS:
            recall = recall_at_k(retrieved, gold, k)
            assert recall is not None  # there is gold
            item.contributions[recall_at_k_metric(k)] = (recall, 1.0)
        rr = reciprocal_rank(retrieved, gold)
        assert rr is not None
        item.contributions["retrieval_mrr"] = (rr, 1.0)
        return
    for name in RETRIEVAL_METRICS:
        item.unscorable[name] = reason


def score_attempt(suite_item: SuiteItem, attempt: Attempt, judge: Judge) -> ItemResult:
    """Score one attempt (semantic similarity is added in a batch by ``score_attempts``)."""
    item = ItemResult(
        id=suite_item.id,
        question=suite_item.question,
        expected_route=suite_item.expected_route,
        answerable=suite_item.answerable,
        user=suite_item.user,
        groups=list(suite_item.groups),
        tags=list(suite_item.tags),
        reference_answer=suite_item.reference_answer,
        status=attempt.status,
        error=attempt.error,
        adapter=attempt.adapter,
    )
    response = attempt.response
    if attempt.status != "ok" or response is None:
        return _unanswered(item, f"{attempt.status}: {attempt.error or 'no answer'}")
    item.answer = response.model_dump(mode="json")
    item.route = response.route
    # The agent says whether it abstained; recorded answers without the flag are read.
    item.abstained = (
        response.abstained
        if response.abstained is not None
        else response.route == "none" or looks_like_refusal(response.answer)
    )
    item.latency_ms = _latency(attempt, response)
    if item.latency_ms is None:
        item.unscorable["latency"] = "no timings recorded"

    item.abstention = abstention_outcome(suite_item.answerable, item.abstained)
    correct_refusal = 1.0 if item.abstention == "correct_refusal" else 0.0
    if item.abstained:
        item.contributions["abstention_precision"] = (correct_refusal, 1.0)
    if not suite_item.answerable:
        item.contributions["abstention_recall"] = (correct_refusal, 1.0)
    if item.abstention == "missed_refusal":
        item.failures.append("answered a question it should have refused")
    elif item.abstention == "false_refusal":
        item.failures.append("refused a question it could answer")

    if item.route is None:
        item.unscorable["route_accuracy"] = "the answer records no route"
    else:
        right = item.route == suite_item.expected_route
        item.contributions["route_accuracy"] = (1.0 if right else 0.0, 1.0)
        if not right:
            expected = suite_item.expected_route
            item.failures.append(f"routed to {item.route!r}, expected {expected!r}")

    if item.abstained:
        for name in CLAIM_METRICS:
            item.unscorable[name] = "abstained: no claims to check"
    else:
        _claims(item, response, judge)
    _gold(item, response, suite_item)
    _retrieval(item, attempt, suite_item)
    if suite_item.reference_answer is None:
        item.unscorable["answer_f1"] = "the item has no reference answer"
        item.unscorable["semantic_similarity"] = "the item has no reference answer"
    else:
        f1 = token_f1(response.answer, suite_item.reference_answer)
        item.contributions["answer_f1"] = (f1, 1.0)
    return item


def _answers_question(item: ItemResult, embedder: Embedder | None) -> None:
    """Whether the passages an answer cites hold the asked attribute and the question's
    qualifiers (docs/metrics.md); abstentions and uncited answers are unscorable."""
    name = "answers_question"
    answer = item.answer
    if answer is None or item.abstained:
        item.unscorable.setdefault(name, "abstained or no answer: nothing to check")
        return
    citations = answer.get("citations") or []
    cited = [(c["source"], c.get("section") or "", c.get("quote") or "") for c in citations]
    if not any(quote.strip() for _, _, quote in cited):
        item.unscorable[name] = "the answer cites no passage text"
        return
    check = answers_question(item.question, cited, embedder)
    item.contributions[name] = (1.0 if check.answers else 0.0, 1.0)
    if not check.answers:
        item.failures.append(f"does not answer the question: {check.reason}")


def score_attempts(
    suite_items: Sequence[SuiteItem],
    attempts: Sequence[Attempt],
    judge: Judge,
    embedder: Embedder | None,
    *,
    on_item: Callable[[ItemResult], None] | None = None,
) -> list[ItemResult]:
    """Score every attempt; semantic similarity is embedded in one batch at the end."""
    results = []
    for suite_item, attempt in zip(suite_items, attempts, strict=True):
        result = score_attempt(suite_item, attempt, judge)
        if on_item:
            on_item(result)
        results.append(result)
    for r in results:
        _answers_question(r, embedder)
    pending = [r for r in results if "answer_f1" in r.contributions and r.answer is not None]
    if embedder is None:
        for r in pending:
            r.unscorable["semantic_similarity"] = "no embedder configured"
    elif pending:
        similarities = semantic_similarity(
            embedder,
            [str(r.answer["answer"]) for r in pending if r.answer],
            [r.reference_answer or "" for r in pending],
        )
        for r, sim in zip(pending, similarities, strict=True):
            r.contributions["semantic_similarity"] = (sim, 1.0)
    return results
