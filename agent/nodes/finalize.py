"""The finalize node: the answer or the abstention, its citations, the streamed words, and the
turn appended to the thread's history."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.answer import AgentEvent, Citation
from agent.conflicts import find_conflict
from agent.context import RunContext
from agent.injection import tidy_spaces
from agent.nodes.timed import timed
from agent.state import AgentState, state_sources


@timed("finalize")
def finalize(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The final answer, whether it abstains, its citations (as JSON) and the turn's history."""
    ctx = runtime.context
    answer = state.get("answer", "").strip()
    route = state.get("route", "none")
    abstained = route == "none" or not answer
    citations: list[dict[str, Any]] = []
    update: dict[str, Any] = {}
    unanswered = _unanswered(state)
    if abstained and unanswered:
        # The passages are on the topic but do not hold what was asked: say what is missing.
        route, answer = "none", f"I don't know: {unanswered}."
        update = {"route": route, "route_reason": unanswered}
    elif abstained:
        answer = _abstention(state)
    else:
        cited = {n for v in state["verification"].get("sentences", []) for n in v["cited"]}
        conflict = find_conflict(state["standalone"], state_sources(state))
        if conflict is not None and route != "adapter":  # surfaced, not one side quoted as fact
            answer = f"{conflict.sentence()}\n\n{answer}"
            cited |= {conflict.first.n, conflict.second.n}
        for s in state_sources(state):
            if s.n in cited:
                r = s.result
                # The passage as its reader sees it: the markup neutralising blanked (links,
                # template tags) leaves no runs of spaces in the quote.
                quote = tidy_spaces(r.text)
                citations.append(
                    Citation(s.n, r.source, r.section, r.page, r.chunk_id, quote).to_json()
                )
    if route != "adapter" or abstained:
        # Grounded answers are only shown once verified; stream them now, word by word.
        for piece in _pieces(answer):
            ctx.send(AgentEvent("token", {"text": piece}))
    for c in citations:
        ctx.send(AgentEvent("citation", c))
    turns = [
        {"role": "user", "content": state["question"], "standalone": state["standalone"]},
        {"role": "assistant", "content": answer, "route": route, "citations": citations},
    ]
    return {
        **update,
        "answer": answer,
        "abstained": abstained,
        "citations": citations,
        "history": turns,
    }


def _unanswered(state: AgentState) -> str:
    """Why the cited passages do not answer the question, or "" when they do (or went
    unchecked)."""
    check = (state.get("verification") or {}).get("answerability") or {}
    return "" if check.get("answers", True) else str(check.get("reason", ""))


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def _abstention(state: AgentState) -> str:
    if state.get("blocked"):
        return (
            "I can't help with that: the question asks me to change or reveal my instructions. "
            "Ask about the company's documents or procedures instead."
        )
    reason = state.get("route_reason", "")
    if (
        state.get("route") == "none"
        and state.get("route_by") != "relevance"
        and not state.get("sources")
    ):
        return f"I don't know: this is {reason}, so I won't guess."
    if state.get("route") in ("rag", "both"):
        # A grounded route that found nothing it could verify: the route's reason ("requested
        # by the caller", "needs facts from the documents") says why it looked, not why it
        # has no answer.
        reason = "no passage I can access states an answer to this"
    return (
        f"I don't know: {reason or 'no source I can access supports an answer'}. Try "
        "rephrasing, or ask someone with access to the documents that cover it."
    )
