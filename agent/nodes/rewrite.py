"""The rewrite node: a follow-up question made standalone from the thread's earlier questions."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import RunContext
from agent.nodes.timed import timed
from agent.rewrite import standalone
from agent.state import AgentState


@timed("rewrite")
def rewrite(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The standalone form of the question."""
    earlier = [t["standalone"] for t in state.get("history", []) if t["role"] == "user"]
    return {"standalone": standalone(state["question"], earlier)}
