"""The generate node: announce the route, then draft the answer with the model (or leave the
draft empty for the verify step's extractive answer)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.answer import AgentEvent
from agent.context import RunContext
from agent.nodes.timed import timed
from agent.prompts import adapter_messages, grounded_messages
from agent.state import AgentState, state_sources
from generation.generator import ChatMessage, GenerationParams


@timed("generate")
def generate(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The draft: the adapter's own words, an answer grounded in the sources, or ""."""
    ctx = runtime.context
    cfg = ctx.resources.config
    route = state["route"]
    ctx.send(
        AgentEvent(
            "route",
            {
                "route": route,
                "reason": state["route_reason"],
                "confidence": state["route_confidence"],
            },
        )
    )
    if route == "none":
        return {"draft": ""}
    params = GenerationParams(max_new_tokens=cfg.max_new_tokens, adapter=state.get("adapter"))
    if route == "adapter":
        # No sources to check against, so the adapter's words stream as they come.
        messages = adapter_messages(state["standalone"])
        return {"draft": model_reply(ctx, messages, params, live=True)}
    sources = state_sources(state)
    if not cfg.generate:
        return {"draft": ""}  # the verify step writes the extractive answer
    messages = grounded_messages(state["question"], sources, route=route)
    return {"draft": model_reply(ctx, messages, params)}


def model_reply(
    ctx: RunContext,
    messages: list[ChatMessage],
    params: GenerationParams,
    *,
    live: bool = False,
) -> str:
    """The model's reply; ``live`` also sends each piece as a token event as it comes."""
    stream = ctx.resources.generator().stream(messages, params)
    parts = []
    for piece in stream:
        if ctx.cancel.is_set():
            stream.cancel()
            ctx.check()
        parts.append(piece)
        if live:
            ctx.send(AgentEvent("token", {"text": piece}))
    return "".join(parts)
