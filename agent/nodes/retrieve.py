"""The retrieve node: the caller's permitted sources for the question, and the route they imply
(agent/reroute.py)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.answer import AgentEvent
from agent.context import RunContext
from agent.coverage import coverage
from agent.nodes.timed import timed
from agent.reroute import reroute
from agent.state import AgentState
from indexes.terms import mentioned
from tools import rag


@timed("retrieve")
def retrieve(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The sources (as JSON), the best relevance, and any route change they force."""
    ctx = runtime.context
    res, cfg = ctx.resources, ctx.resources.config
    found = rag.retrieve(res.db, res.embedder, state["standalone"], ctx.principal, cfg.search)
    best = found.best_relevance
    ctx.send(AgentEvent("retrieval", {"results": len(found.sources), "best_relevance": best}))
    update: dict[str, Any] = {
        "sources": [s.to_json() for s in found.sources],
        "best_relevance": best,
    }
    cov = coverage(state["standalone"], found.sources)
    unknown = [
        term
        for term in cov.missing_identifiers
        if not mentioned(res.db, ctx.principal, cfg.search.collection, term)
    ]
    update.update(reroute(state, best, cov, unknown, cfg))
    return update
