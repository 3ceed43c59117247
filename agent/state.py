"""The graph's state, checkpointed per thread, and the helpers nodes use to read and write it.

State holds plain JSON values only, so checkpoints stay readable by any later version of the
code; the principal and the event sink travel in the run context (agent/context.py), so who
asked and where the tokens go are never written to the checkpoint tables.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from agent.answer import Route
from indexes.search import SearchResult
from tools.rag import Source


def _merge(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    return {**left, **right}


class AgentState(TypedDict, total=False):
    """One turn's working values plus the thread's history (appended turn by turn)."""

    question: str
    standalone: str
    history: Annotated[list[dict[str, Any]], operator.add]
    blocked: str
    route: str
    route_reason: str
    route_confidence: float
    route_by: str
    writing: bool
    sources: list[dict[str, Any]]
    best_relevance: float
    # When no source reaches the relevance bar: the question's identifiers the sources name
    # (agent.coverage.Coverage.named); a source that names them all is relevant all the same.
    named: list[str]
    draft: str
    answer: str
    abstained: bool
    adapter: str | None
    verification: dict[str, Any]
    citations: list[dict[str, Any]]
    timings_ms: Annotated[dict[str, float], _merge]


# Keys reset at the start of every turn (the checkpoint keeps the previous turn's values).
TURN_RESET: dict[str, Any] = {
    "standalone": "",
    "blocked": "",
    "route": "",
    "route_reason": "",
    "route_confidence": 0.0,
    "route_by": "",
    "writing": False,
    "sources": [],
    "best_relevance": 0.0,
    "named": [],
    "draft": "",
    "answer": "",
    "abstained": False,
    "adapter": None,
    "verification": {},
    "citations": [],
}


def route_update(route: Route, reason: str, confidence: float, by: str) -> dict[str, Any]:
    """The state keys of a route decision (``by``: guard, caller, the router, or relevance)."""
    return {
        "route": route,
        "route_reason": reason,
        "route_confidence": round(float(confidence), 3),
        "route_by": by,
    }


def state_sources(state: AgentState) -> list[Source]:
    """The retrieved sources, rebuilt from their JSON in the state."""
    return [
        Source(
            s["n"],
            s["relevance"],
            SearchResult(**{k: v for k, v in s.items() if k not in ("n", "relevance")}),
        )
        for s in state.get("sources", [])
    ]
