"""The guard node: refuse over-long questions, and mark instruction injections as blocked."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import RunContext
from agent.guard import check_question, looks_like_injection
from agent.nodes.timed import timed
from agent.state import AgentState


@timed("guard")
def guard(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The checked question, and why it is blocked ("" when it is not)."""
    limit = runtime.context.resources.config.max_question_chars
    question = check_question(state["question"], limit)
    blocked = (
        "the question tries to change the assistant's instructions"
        if looks_like_injection(question)
        else ""
    )
    return {"question": question, "blocked": blocked}
