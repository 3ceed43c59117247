"""The route node: the caller's forced route or the router's guess, and the adapter to use."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.answer import Route
from agent.context import RunContext
from agent.nodes.timed import timed
from agent.reroute import unused_note
from agent.router import is_writing_task
from agent.state import AgentState, route_update
from generation.adapter_registry import RegisteredAdapter
from indexes.terms import question_words, unused_words
from ragtune.errors import NotFoundError
from tools.adapter import choose_adapter


@timed("route")
def route(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The route decision; an adapter route without a usable adapter falls back to rag."""
    ctx = runtime.context
    if state.get("blocked"):
        return route_update("none", state["blocked"], 1.0, "guard")
    if ctx.requested_route != "auto":
        chosen: Route = ctx.requested_route
        decision = route_update(chosen, "requested by the caller", 1.0, "caller")
    else:
        d = ctx.resources.router.route(state["standalone"])
        reason = d.reason + (_language_note(state, ctx) if d.route == "none" else "")
        decision = route_update(d.route, reason, d.confidence, d.by)
    decision["writing"] = is_writing_task(state["standalone"])
    if decision["route"] in ("adapter", "both"):
        adapter = _usable_adapter(ctx)
        if adapter is None:
            reason = (
                f"{decision['route_reason']}; no domain adapter is available to "
                f"{ctx.principal.user}, so the documents answer"
            )
            fallback = route_update(
                "rag", reason, decision["route_confidence"], decision["route_by"]
            )
            decision = {**decision, **fallback}
        else:
            decision["adapter"] = adapter.name
    return decision


def _usable_adapter(ctx: RunContext) -> RegisteredAdapter | None:
    try:
        return choose_adapter(ctx.resources.db, ctx.principal, ctx.adapter)
    except NotFoundError:
        if ctx.adapter is not None:
            raise  # a named adapter that does not exist is the caller's error
        return None


def _language_note(state: AgentState, ctx: RunContext) -> str:
    """The unused-words note (agent.reroute.unused_note) when most of the question's words
    are in no document the caller may read: a question in another language than the
    documents' reads as out of scope to the router, and the decline should say why."""
    words = question_words(state["question"])
    try:
        use = unused_words(ctx.resources.db, ctx.principal, ctx.search.collection, words)
    except NotFoundError:
        return ""  # nothing ingested yet: no words to compare with
    # An English question out of scope is what the router says; only another language is news.
    return unused_note(use) if use.mostly_unused and not use.reads_as_english else ""
