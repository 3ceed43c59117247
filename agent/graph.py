"""The LangGraph StateGraph: guard -> rewrite -> route -> [retrieve] -> generate -> verify ->
finalize.

Each node is a module-level function in agent/nodes/ that takes the state and the run's
runtime; the run context (agent/context.py) carries both the agent's long-lived resources and
the run's own facts (principal, forced route, event sink), so the graph itself holds nothing
and is built once per agent. Route changes after retrieval are agent/reroute.py's.
"""

from __future__ import annotations

from typing import Any, cast

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.context import RunContext
from agent.nodes.finalize import finalize
from agent.nodes.generate import generate
from agent.nodes.guard import guard
from agent.nodes.retrieve import retrieve
from agent.nodes.rewrite import rewrite
from agent.nodes.route import route
from agent.nodes.verify import verify
from agent.state import TURN_RESET, AgentState


def needs_retrieval(state: AgentState) -> bool:
    """Whether the route node's decision must be checked against the documents."""
    if state.get("blocked"):
        return False
    chosen = state["route"]
    return (
        chosen in ("rag", "both")
        or (chosen == "none" and state.get("route_by") == "classifier")
        or (chosen == "adapter" and state.get("route_by") != "caller")
    )


def dry_run_route(question: str, ctx: RunContext) -> AgentState:
    """The route the graph would take for ``question``, without generating: guard, rewrite,
    route and (where the graph would) retrieve, with the same node code. For route-accuracy
    evaluation and benchmarks; nothing is checkpointed."""
    runtime: Runtime[RunContext] = Runtime(context=ctx)
    state: dict[str, Any] = {**TURN_RESET, "question": question, "history": [], "timings_ms": {}}
    for node in (guard, rewrite, route):
        state.update(node(cast(AgentState, state), runtime))
    if needs_retrieval(cast(AgentState, state)):
        state.update(retrieve(cast(AgentState, state), runtime))
    return cast(AgentState, state)


def build_graph() -> StateGraph[AgentState, RunContext, AgentState, AgentState]:
    """The uncompiled graph (compile it with a checkpointer; run it with a RunContext)."""
    graph: StateGraph[AgentState, RunContext, AgentState, AgentState] = StateGraph(
        AgentState, context_schema=RunContext
    )
    for node in (guard, rewrite, route, retrieve, generate, verify, finalize):
        graph.add_node(node.__name__, cast(Any, node))
    graph.add_edge(START, "guard")
    graph.add_edge("guard", "rewrite")
    graph.add_edge("rewrite", "route")
    graph.add_conditional_edges(
        "route",
        lambda s: "retrieve" if needs_retrieval(s) else "generate",
        {"retrieve": "retrieve", "generate": "generate"},
    )
    graph.add_edge("retrieve", "generate")
    graph.add_edge("generate", "verify")
    graph.add_edge("verify", "finalize")
    graph.add_edge("finalize", END)
    return graph
