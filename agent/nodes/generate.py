"""The generate node: announce the route, then draft the answer with the model (or leave the
draft empty for the verify step's extractive answer).

Whether a grounded route drafts at all is decided once per process (draft_routes): a local
model on the CPU spends 4-19 s on a draft that verification then throws away for the
extractive answer (0 of 6 drafts survived on the rag and both routes,
bench/results/agent_latency.json, SmolLM2-135M on 2 cores), so by default it does not draft
there; a GPU or a remote server keeps drafting.
"""

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
    if not cfg.generate or route not in cfg.draft_routes:
        return {"draft": ""}  # the verify step writes the extractive answer
    messages = grounded_messages(state["question"], sources, route=route)
    return {"draft": model_reply(ctx, messages, params)}


# Routes drafted on a local CPU model under agent_draft=auto: none of the grounded ones (see
# the module docstring for the measurement).
CPU_DRAFT_ROUTES: frozenset[str] = frozenset()
ALL_DRAFT_ROUTES: frozenset[str] = frozenset({"rag", "both"})


def draft_routes(policy: str, backend: str, device: str) -> frozenset[str]:
    """The grounded routes the model drafts: all with ``policy`` "always", none with "never";
    with "auto" all unless the generator is a local model on the CPU (then CPU_DRAFT_ROUTES).
    The adapter route always generates: it has no sources to quote."""
    if policy == "always":
        return ALL_DRAFT_ROUTES
    if policy == "never":
        return frozenset()
    local_cpu = backend != "openai" and device.lower().startswith("cpu")
    return CPU_DRAFT_ROUTES if local_cpu else ALL_DRAFT_ROUTES


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
