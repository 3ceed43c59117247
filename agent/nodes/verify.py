"""The verify node: keep only what the sources support, and only if it answers the question.

A draft with unsupported sentences is regenerated strictly (when configured), then pruned to
its supported sentences; with nothing supported left, an extractive answer quoted from the
sources takes its place. Whatever remains must then pass the answerability check
(agent/answerability.py) on the passages it cites; a generated answer that fails it gives way
to the extractive one, and an answer that still fails becomes an abstention that says what is
missing."""

from __future__ import annotations

from itertools import chain
from typing import Any

from langgraph.runtime import Runtime

from agent.answer import Verification
from agent.answerability import WordShare, answering_quotes, corpus_share
from agent.answerability import check as answers_question
from agent.context import RunContext
from agent.extractive import candidates, quote
from agent.nodes.generate import model_reply
from agent.nodes.timed import timed
from agent.prompts import grounded_messages
from agent.state import AgentState, state_sources
from agent.verify import verify as check
from evals.judges.answerability import AnswerCheck
from generation.generator import GenerationParams
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
    question = state["standalone"]
    share = corpus_share((res.db, ctx.principal, ctx.search.collection))
    if checked is None or checked.supported_sentences == 0:
        draft, checked = _extractive(state, ctx, sources, share)
        repaired = "extractive"
    if checked is None or checked.total_sentences == 0:
        return {"answer": "", "verification": verification_json(None, repaired)}
    answers = answers_question(res.embedder, question, draft, sources, share)
    if _declines(answers, cfg.answerability) and repaired != "extractive":
        # A generated answer true to its sources may still answer a neighbouring question;
        # a quote that answers this one takes its place.
        quoted, quoted_check = _extractive(state, ctx, sources, share)
        if quoted_check is not None and quoted_check.total_sentences:
            draft, checked, repaired = quoted, quoted_check, "extractive"
            answers = answers_question(res.embedder, question, draft, sources, share)
    if _declines(answers, cfg.answerability):
        return {"answer": "", "verification": verification_json(checked, repaired, answers)}
    return {"answer": draft, "verification": verification_json(checked, repaired, answers)}


def _declines(answers: AnswerCheck, mode: str) -> bool:
    """Whether a failed check turns the answer into an abstention: always in abstain mode; in
    report mode only when the cited passages hold nothing the question asks about (an answer
    that lacks one detail is shown with a note, one about something else is not shown)."""
    return not answers.answers and (mode == "abstain" or answers.found_nothing)


def _extractive(
    state: AgentState,
    ctx: RunContext,
    sources: list[Source],
    share: WordShare,
) -> tuple[str, Verification | None]:
    """An answer quoted from the sources, pruned to its supported sentences, and its check.

    Quotes that answer the question (the asked attribute and the qualifiers together, read
    with the passage's headings) are tried first, and the first the judge supports is kept;
    the best-scoring sentences are quoted only when none is, and the answerability check then
    says what is missing.
    """
    res = ctx.resources
    found = candidates(
        res.embedder,
        state["standalone"],
        sources,
        res.config.min_relevance,
        focus=state["question"],
        named=state.get("named", []),
    )
    drafts = answering_quotes(res.embedder, state["standalone"], found, sources, share)
    draft, checked = "", None
    for draft in chain(drafts, [quote(found)]):
        checked = check(res.judge, draft, sources) if draft else None
        if checked is not None and checked.supported_sentences < checked.total_sentences:
            draft = " ".join(v.text for v in checked.sentences if v.supported)
            checked = check(res.judge, draft, sources) if draft else None
        if checked is not None and checked.supported_sentences:
            break
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
