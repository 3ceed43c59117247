"""The graph's state (checkpointed per thread) and the per-run context (never checkpointed).

State holds plain JSON values only, so checkpoints stay readable by any later version of the
code; the principal and the event sink travel in the run context, so who asked and where the
tokens go are never written to the checkpoint tables.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

from agent.answer import AgentEvent, RouteChoice
from ragtune.errors import RagtuneError
from ragtune.principal import Principal


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
    "draft": "",
    "answer": "",
    "abstained": False,
    "adapter": None,
    "verification": {},
    "citations": [],
}


class Cancelled(RagtuneError):
    """The caller went away; the run stops at the next node or token."""

    http_status = 499


@dataclass
class RunContext:
    """Who is asking, what route they forced, and where streamed events go."""

    principal: Principal
    requested_route: RouteChoice = "auto"
    adapter: str | None = None
    emit: Callable[[AgentEvent], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def send(self, event: AgentEvent) -> None:
        if self.emit is not None:
            self.emit(event)

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled("The request was cancelled", hint="ask again")
