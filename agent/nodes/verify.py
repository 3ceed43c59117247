"""The verify node: keep only what the sources support, and only if it answers the question.

A draft with unsupported sentences is regenerated strictly (when configured), then pruned to
its supported sentences; with nothing supported left, an extractive answer quoted from the
sources takes its place. Whatever remains must then pass the answerability check
(agent/answerability.py) on the passages it cites; a generated answer that fails it gives way
to the extractive one, and an answer that still fails becomes an abstention that says what is
missing."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.answer import Verification
from agent.answerability import check as answers_question
from agent.context import RunContext
from agent.extractive import candidates, extractive_answer
from agent.nodes.generate import model_reply
from agent.nodes.timed import timed
from agent.prompts import grounded_messages
from agent.state import AgentState, state_sources
from agent.verify import verify as check
from evals.judges.answerability import AnswerCheck
from generation.generator import GenerationParams
from indexes.database import Database
from ragtune.principal import Principal
from tools.rag import Source


@timed("verify")
def verify(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The verified answer and its verification (as JSON); "" when nothing is supported."""
    route = state["route"]
    if route in ("none", "adapter"):
        return {"answer": state.get("draft", ""), "verification": verification_json(None)}
    ctx = runtime.context
    res, cfg = ctx.resources, ctx.resources.config
    sources = state_sources(state)
    draft = state.get("draft", "").strip()
    repaired = None
    checked = check(res.judge, draft, sources) if draft else None
    if checked is not None and checked.supported_sentences < checked.total_sentences:
        if cfg.verify_retry:
            params = GenerationParams(
                max_new_tokens=cfg.max_new_tokens, adapter=state.get("adapter")
            )
            retry = grounded_messages(state["question"], sources, route=route, strict=True)
            draft = model_reply(ctx, retry, params).strip()
            checked = check(res.judge, draft, sources) if draft else None
            repaired = "retry"
    if checked is not None and 0 < checked.supported_sentences < checked.total_sentences:
        # Keep what the sources support; drop the rest.
        draft = " ".join(v.text for v in checked.sentences if v.supported)
        checked = check(res.judge, draft, sources)
        repaired = "pruned"
    if checked is None or checked.supported_sentences == 0:
        draft, checked = _extractive(state, ctx, sources)
        repaired = "extractive"
    if checked is None or checked.total_sentences == 0:
        return {"answer": "", "verification": verification_json(None, repaired)}
    question = state["standalone"]
    corpus = (res.db, ctx.principal, cfg.search.collection)
    answers = answers_question(res.embedder, question, draft, sources, corpus)
    if not answers.answers and cfg.answerability == "abstain":
        # The quote that best matches the question may answer a neighbouring one; a
        # slightly lower-ranked sentence may hold what was asked.
        found = _answering_quote(state, ctx, sources, corpus)
        if found is not None:
            draft, checked, answers = found
            repaired = "extractive"
    if not answers.answers and cfg.answerability == "abstain":
        return {"answer": "", "verification": verification_json(checked, repaired, answers)}
    return {"answer": draft, "verification": verification_json(checked, repaired, answers)}


# Quoted sentences tried, best first, for one that answers the question.
QUOTE_TRIES = 6


def _answering_quote(
    state: AgentState,
    ctx: RunContext,
    sources: list[Source],
    corpus: tuple[Database, Principal, str],
) -> tuple[str, Verification, AnswerCheck] | None:
    """The best-ranked quoted sentence that the judge supports and that answers the question
    (its check), or None when none of the first ``QUOTE_TRIES`` does."""
    res = ctx.resources
    found = candidates(
        res.embedder,
        state["standalone"],
        sources,
        res.config.min_relevance,
        focus=state["question"],
    )
    for candidate in found[:QUOTE_TRIES]:
        text = candidate.text.rstrip()
        draft = f"{text.rstrip('.!?')} [{candidate.n}]{text[-1] if text[-1] in '.!?' else '.'}"
        answers = answers_question(res.embedder, state["standalone"], draft, sources, corpus)
        if not answers.answers:
            continue
        checked = check(res.judge, draft, sources)
        if checked.total_sentences and checked.supported_sentences == checked.total_sentences:
            return draft, checked, answers
    return None


def _extractive(
    state: AgentState, ctx: RunContext, sources: list[Source]
) -> tuple[str, Verification | None]:
    """An answer quoted from the sources, pruned to its supported sentences, and its check."""
    res = ctx.resources
    draft = extractive_answer(
        res.embedder,
        state["standalone"],
        sources,
        min_relevance=res.config.min_relevance,
        focus=state["question"],
    )
    checked = check(res.judge, draft, sources) if draft else None
    if checked is not None and checked.supported_sentences < checked.total_sentences:
        draft = " ".join(v.text for v in checked.sentences if v.supported)
        checked = check(res.judge, draft, sources) if draft else None
    return draft, checked


def verification_json(
    checked: Verification | None,
    repaired: str | None = None,
    answers: AnswerCheck | None = None,
) -> dict[str, Any]:
    """The verification as stored in the state: counts, per-sentence verdicts, the repair, and
    whether the cited passages answer the question (``answerability``; None when not checked).
    """
    if checked is None:
        return {
            "supported_sentences": 0,
            "total_sentences": 0,
            "sentences": [],
            "repaired": repaired,
            "answerability": None,
        }
    return {
        "supported_sentences": checked.supported_sentences,
        "total_sentences": checked.total_sentences,
        "sentences": [
            {
                "text": v.text,
                "supported": v.supported,
                "score": v.score,
                "cited": list(v.cited),
                "evidence": v.evidence,
            }
            for v in checked.sentences
        ],
        "repaired": repaired,
        "answerability": answers.to_json() if answers is not None else None,
    }
