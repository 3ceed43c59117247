"""The route node: the caller's forced route or the router's guess, and the adapter to use."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.answer import Route
from agent.context import RunContext
from agent.nodes.timed import timed
from agent.router import is_writing_task
from agent.state import AgentState, route_update
from generation.adapter_registry import RegisteredAdapter
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
        decision = route_update(d.route, d.reason, d.confidence, d.by)
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
