"""The verify node: keep only what the sources support. A draft with unsupported sentences is
regenerated strictly (when configured), then pruned to its supported sentences; with nothing
supported left, an extractive answer quoted from the sources takes its place."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.answer import Verification
from agent.context import RunContext
from agent.extractive import extractive_answer
from agent.nodes.generate import model_reply
from agent.nodes.timed import timed
from agent.prompts import grounded_messages
from agent.state import AgentState, state_sources
from agent.verify import verify as check
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
    if checked is None or checked.supported_sentences == 0:
        draft, checked = _extractive(state, ctx, sources)
        repaired = "extractive"
    if checked is None or checked.total_sentences == 0:
        return {"answer": "", "verification": verification_json(None, repaired)}
    return {"answer": draft, "verification": verification_json(checked, repaired)}


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


def verification_json(checked: Verification | None, repaired: str | None = None) -> dict[str, Any]:
    """The verification as stored in the state: counts, per-sentence verdicts, the repair."""
    if checked is None:
        return {
            "supported_sentences": 0,
            "total_sentences": 0,
            "sentences": [],
            "repaired": repaired,
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
    }
