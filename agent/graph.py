"""The LangGraph StateGraph: guard -> rewrite -> route -> [retrieve] -> generate -> verify ->
finalize.

Nodes are closures over ``Deps`` (the long-lived database, embedder, judge, router and
generator); per-run facts (principal, forced route, event sink) come from the run context.
Route changes after retrieval are the policy's safety valves: nothing relevant turns rag into
none (abstain), a low-confidence adapter route also retrieves and becomes both when the
documents do cover the question, and a "none" guess with clearly relevant documents becomes
rag.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.answer import AgentEvent, Citation, Route
from agent.coverage import Coverage, coverage
from agent.extractive import extractive_answer
from agent.guard import check_question, looks_like_injection
from agent.prompts import adapter_messages, grounded_messages
from agent.rewrite import standalone
from agent.router import Router, is_writing_task
from agent.state import TURN_RESET, AgentState, RunContext
from agent.verify import verify
from evals.judges.protocol import Judge
from generation.adapter_registry import RegisteredAdapter
from generation.generator import ChatMessage, GenerationParams, Generator
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search.options import SearchOptions
from indexes.search.results import SearchResult
from indexes.terms import mentioned
from ragtune.errors import NotFoundError
from tools.adapter import choose_adapter
from tools.rag import Source, retrieve

Node = Callable[[AgentState, Runtime[RunContext]], dict[str, Any]]
# A "none" guess is overturned only by clearly relevant documents, not borderline ones.
NONE_OVERRIDE_MARGIN = 0.15


@dataclass(frozen=True)
class AgentConfig:
    """The agent's knobs, taken from the settings at the entry point."""

    max_question_chars: int
    search: SearchOptions
    min_relevance: float
    min_confidence: float
    generate: bool
    verify_retry: bool
    max_new_tokens: int


@dataclass
class Deps:
    """Long-lived parts the nodes use; ``generator`` loads the model on first call."""

    db: Database
    embedder: Embedder
    judge: Judge
    router: Router
    generator: Callable[[], Generator]
    config: AgentConfig


def _timed(name: str, node: Node) -> Node:
    def run(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        runtime.context.check()
        started = time.perf_counter()
        update = node(state, runtime)
        elapsed = (time.perf_counter() - started) * 1000
        update["timings_ms"] = {**update.get("timings_ms", {}), name: elapsed}
        return update

    run.__name__ = name
    return run


def _sources(state: AgentState) -> list[Source]:
    return [
        Source(
            s["n"],
            s["relevance"],
            SearchResult(**{k: v for k, v in s.items() if k not in ("n", "relevance")}),
        )
        for s in state.get("sources", [])
    ]


def _fields(source: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in source.items() if k not in ("n", "relevance")}


def _usable_adapter(deps: Deps, ctx: RunContext) -> RegisteredAdapter | None:
    try:
        return choose_adapter(deps.db, ctx.principal, ctx.adapter)
    except NotFoundError:
        if ctx.adapter is not None:
            raise  # a named adapter that does not exist is the caller's error
        return None


def build_nodes(deps: Deps) -> dict[str, Node]:
    """The graph's nodes by name, each timed into ``timings_ms``."""
    cfg = deps.config

    def guard(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        question = check_question(state["question"], cfg.max_question_chars)
        blocked = (
            "the question tries to change the assistant's instructions"
            if looks_like_injection(question)
            else ""
        )
        return {"question": question, "blocked": blocked}

    def rewrite(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        earlier = [t["standalone"] for t in state.get("history", []) if t["role"] == "user"]
        return {"standalone": standalone(state["question"], earlier)}

    def route(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        ctx = runtime.context
        if state.get("blocked"):
            return _decision("none", state["blocked"], 1.0, "guard")
        if ctx.requested_route != "auto":
            chosen: Route = ctx.requested_route
            decision = _decision(chosen, "requested by the caller", 1.0, "caller")
        else:
            d = deps.router.route(state["standalone"])
            decision = _decision(d.route, d.reason, d.confidence, d.by)
        decision["writing"] = is_writing_task(state["standalone"])
        wanted = decision["route"]
        if wanted in ("adapter", "both"):
            adapter = _usable_adapter(deps, ctx)
            if adapter is None:
                fallback: Route = "rag"
                decision = {
                    **decision,
                    **_decision(
                        fallback,
                        f"{decision['route_reason']}; no domain adapter is available to "
                        f"{ctx.principal.user}, so the documents answer",
                        decision["route_confidence"],
                        decision["route_by"],
                    ),
                }
            else:
                decision["adapter"] = adapter.name
        return decision

    def retrieve_node(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        ctx = runtime.context
        found = retrieve(deps.db, deps.embedder, state["standalone"], ctx.principal, cfg.search)
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
            if not mentioned(deps.db, ctx.principal, cfg.search.collection, term)
        ]
        update.update(_reroute(state, best, cov, unknown, cfg))
        return update

    def generate(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        ctx = runtime.context
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
            return {"draft": _generate(deps, ctx, messages, params, live=True)}
        sources = _sources(state)
        if not cfg.generate:
            return {"draft": ""}  # the verify step writes the extractive answer
        messages = grounded_messages(state["question"], sources, route=route)
        return {"draft": _generate(deps, ctx, messages, params)}

    def verify_node(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        ctx = runtime.context
        route = state["route"]
        if route in ("none", "adapter"):
            return {"answer": state.get("draft", ""), "verification": _verification_json(None)}
        sources = _sources(state)
        draft = state.get("draft", "").strip()
        repaired = None
        checked = verify(deps.judge, draft, sources) if draft else None
        if checked is not None and checked.supported_sentences < checked.total_sentences:
            if cfg.verify_retry:
                params = GenerationParams(
                    max_new_tokens=cfg.max_new_tokens, adapter=state.get("adapter")
                )
                retry = grounded_messages(state["question"], sources, route=route, strict=True)
                draft = _generate(deps, ctx, retry, params).strip()
                checked = verify(deps.judge, draft, sources) if draft else None
                repaired = "retry"
        if checked is not None and 0 < checked.supported_sentences < checked.total_sentences:
            # Keep what the sources support; drop the rest.
            draft = " ".join(v.text for v in checked.sentences if v.supported)
            checked = verify(deps.judge, draft, sources)
            repaired = "pruned"
        if checked is None or checked.supported_sentences == 0:
            draft = extractive_answer(
                deps.embedder,
                state["standalone"],
                sources,
                min_relevance=cfg.min_relevance,
                focus=state["question"],
            )
            checked = verify(deps.judge, draft, sources) if draft else None
            repaired = "extractive"
            if checked is not None and checked.supported_sentences < checked.total_sentences:
                draft = " ".join(v.text for v in checked.sentences if v.supported)
                checked = verify(deps.judge, draft, sources) if draft else None
        if checked is None or checked.total_sentences == 0:
            return {"answer": "", "verification": _verification_json(None, repaired)}
        return {"answer": draft, "verification": _verification_json(checked, repaired)}

    def finalize(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        ctx = runtime.context
        answer = state.get("answer", "").strip()
        route = state.get("route", "none")
        abstained = route == "none" or not answer
        citations: list[dict[str, Any]] = []
        if abstained:
            answer = _abstention(state)
        else:
            cited = {n for v in state["verification"].get("sentences", []) for n in v["cited"]}
            for s in _sources(state):
                if s.n in cited:
                    r = s.result
                    citations.append(
                        Citation(s.n, r.source, r.section, r.page, r.chunk_id, r.text).to_json()
                    )
        if route != "adapter" or abstained:
            # Grounded answers are only shown once verified; stream them now, word by word.
            for piece in _pieces(answer):
                ctx.send(AgentEvent("token", {"text": piece}))
        for c in citations:
            ctx.send(AgentEvent("citation", c))
        turns = [
            {"role": "user", "content": state["question"], "standalone": state["standalone"]},
            {"role": "assistant", "content": answer, "route": route, "citations": citations},
        ]
        return {
            "answer": answer,
            "abstained": abstained,
            "citations": citations,
            "history": turns,
        }

    nodes: dict[str, Node] = {
        "guard": guard,
        "rewrite": rewrite,
        "route": route,
        "retrieve": retrieve_node,
        "generate": generate,
        "verify": verify_node,
        "finalize": finalize,
    }
    return {name: _timed(name, node) for name, node in nodes.items()}


def _decision(route: Route, reason: str, confidence: float, by: str) -> dict[str, Any]:
    return {
        "route": route,
        "route_reason": reason,
        "route_confidence": round(float(confidence), 3),
        "route_by": by,
    }


def _reroute(
    state: AgentState, best: float, cov: Coverage, unknown: list[str], cfg: AgentConfig
) -> dict[str, Any]:
    """The route after retrieval, when relevance and coverage overrule the router.

    ``unknown``: identifiers of the question that no document the caller may read mentions;
    the adapter learned from the same company knowledge, so it is not asked about them either.
    """
    route = state["route"]
    by = state.get("route_by", "")
    confidence = state.get("route_confidence", 0.0)
    reason = state.get("route_reason", "")
    if unknown and route in ("rag", "adapter") and by != "caller" and not state.get("writing"):
        return _decision(
            "none",
            f"no document you can access mentions {', '.join(unknown)}",
            confidence,
            "relevance",
        )
    relevant = best >= cfg.min_relevance
    # Coverage checks the question's own terms; a writing task ("both") is full of scenario
    # details (a customer's name, an aisle number) that no document mentions, so only
    # relevance decides for it.
    covered = relevant and (cov.covered or bool(state.get("writing")))
    note = f"best source relevance {best:.2f}, threshold {cfg.min_relevance:.2f}"
    if relevant and not cov.covered:
        note = f"{cov.describe()}; {note}"
    if route in ("rag", "both") and not covered:
        return _decision(
            "none", f"the documents you can access do not cover this ({note})", confidence, by
        )
    unsure = by == "classifier" and confidence < cfg.min_confidence
    if route == "adapter" and unsure:
        if covered:
            return _decision(
                "both",
                f"{reason}; unsure of the route ({confidence:.2f} < {cfg.min_confidence:.2f})"
                f" and the documents cover it ({note}), so sources back the adapter",
                confidence,
                "relevance",
            )
        return _decision(
            "none",
            f"unsure the domain adapter knows this ({confidence:.2f} < "
            f"{cfg.min_confidence:.2f}) and the documents do not cover it ({note})",
            confidence,
            "relevance",
        )
    if (
        route == "none"
        and by == "classifier"
        and covered
        and best >= cfg.min_relevance + NONE_OVERRIDE_MARGIN
    ):
        return _decision(
            "rag",
            f"looked out of scope, but the documents cover it ({note})",
            confidence,
            "relevance",
        )
    return {}


def needs_retrieval(state: AgentState) -> bool:
    """Whether the route node's decision must be checked against the documents."""
    if state.get("blocked"):
        return False
    route = state["route"]
    return (
        route in ("rag", "both")
        or (route == "none" and state.get("route_by") == "classifier")
        or (route == "adapter" and state.get("route_by") != "caller")
    )


def _generate(
    deps: Deps,
    ctx: RunContext,
    messages: list[ChatMessage],
    params: GenerationParams,
    *,
    live: bool = False,
) -> str:
    """The model's reply; ``live`` also sends each piece as a token event as it comes."""
    stream = deps.generator().stream(messages, params)
    parts = []
    for piece in stream:
        if ctx.cancel.is_set():
            stream.cancel()
            ctx.check()
        parts.append(piece)
        if live:
            ctx.send(AgentEvent("token", {"text": piece}))
    return "".join(parts)


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def _verification_json(checked: Any, repaired: str | None = None) -> dict[str, Any]:
    if checked is None:
        return {
            "supported_sentences": 0,
            "total_sentences": 0,
            "sentences": [],
            "repaired": repaired,
        }
    return {
        "supported_sentences": checked.supported_sentences,
        "total_sentences": checked.total_sentences,
        "sentences": [
            {
                "text": v.text,
                "supported": v.supported,
                "score": v.score,
                "cited": list(v.cited),
                "evidence": v.evidence,
            }
            for v in checked.sentences
        ],
        "repaired": repaired,
    }


def _abstention(state: AgentState) -> str:
    if state.get("blocked"):
        return (
            "I can't help with that: the question asks me to change or reveal my instructions. "
            "Ask about the company's documents or procedures instead."
        )
    reason = state.get("route_reason", "")
    if (
        state.get("route") == "none"
        and state.get("route_by") != "relevance"
        and not state.get("sources")
    ):
        return f"I don't know: this is {reason}, so I won't guess."
    return (
        f"I don't know: {reason or 'no source I can access supports an answer'}. Try "
        "rephrasing, or ask someone with access to the documents that cover it."
    )


def plan(deps: Deps, question: str, ctx: RunContext) -> AgentState:
    """The route the graph would take for ``question``, without generating: guard, rewrite,
    route and (where the graph would) retrieve, with the same node code. For route-accuracy
    evaluation and benchmarks; nothing is checkpointed."""
    nodes = build_nodes(deps)
    runtime: Runtime[RunContext] = Runtime(context=ctx)
    state: dict[str, Any] = {**TURN_RESET, "question": question, "history": [], "timings_ms": {}}
    for name in ("guard", "rewrite", "route"):
        state.update(nodes[name](cast(AgentState, state), runtime))
    if needs_retrieval(cast(AgentState, state)):
        state.update(nodes["retrieve"](cast(AgentState, state), runtime))
    return cast(AgentState, state)


def build_graph(deps: Deps) -> StateGraph[AgentState, RunContext, AgentState, AgentState]:
    """The uncompiled graph (compile it with a checkpointer)."""
    nodes = build_nodes(deps)
    graph: StateGraph[AgentState, RunContext, AgentState, AgentState] = StateGraph(
        AgentState, context_schema=RunContext
    )
    for name, node in nodes.items():
        graph.add_node(name, cast(Any, node))
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
