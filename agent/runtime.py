"""The agent's Python API: ``build_agent(settings)``, then ``ask``, ``astream``, ``history``.

One Agent per process holds the compiled graph, the database pools, the embedder, the judge,
the router and (loaded on first use) the generator. Conversations are checkpointed in Postgres
by langgraph-checkpoint-postgres, so a restarted process continues any thread; the thread
table records who owns each one, and only the owner may continue or read it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from agent.answer import ROUTE_CHOICES, AgentEvent, Answer, Citation, RouteChoice, Verification
from agent.context import AgentConfig, AgentResources, Cancelled, RunContext
from agent.graph import build_graph, dry_run_route
from agent.nodes.generate import draft_routes
from agent.router import build_router, load_classifier
from agent.state import TURN_RESET, AgentState
from evals.judges.protocol import Judge
from generation.generator import Generator
from indexes import threads
from indexes.collections import check_collection_name, get_collection
from indexes.database import Database, pool_recovery
from indexes.embeddings import Embedder
from indexes.search.options import search_options
from indexes.snapshot import SnapshotCache
from ragtune.answer_contract import PinsOut
from ragtune.errors import (
    ConfigError,
    DatabaseError,
    InputError,
    NotFoundError,
    RagtuneError,
)
from ragtune.principal import Principal
from ragtune.settings import Settings

_DONE = object()


def agent_config(settings: Settings) -> AgentConfig:
    """The agent's knobs from the settings object."""
    return AgentConfig(
        max_question_chars=settings.agent_max_question_chars,
        search=search_options(settings, k=settings.agent_sources_k),
        min_relevance=settings.agent_min_relevance,
        min_confidence=settings.router_min_confidence,
        generate=settings.agent_generate,
        verify_retry=settings.agent_verify_retry,
        max_new_tokens=settings.agent_max_new_tokens,
        draft_routes=draft_routes(
            settings.agent_draft, settings.generator_backend, settings.model_device
        ),
        answerability=settings.agent_answerability,
        likelihood_weight=_likelihood_weight(settings),
        likelihood_depth=settings.agent_likelihood_depth,
    )


def _likelihood_weight(settings: Settings) -> float:
    """The likelihood re-rank's weight, refused for a generator that cannot score prompts."""
    weight = settings.agent_likelihood_weight
    if weight and settings.generator_backend == "openai":
        raise ConfigError(
            "RAGTUNE_AGENT_LIKELIHOOD_WEIGHT needs the local generator: a remote chat server "
            "returns no log-probabilities of the prompt",
            hint="set RAGTUNE_AGENT_LIKELIHOOD_WEIGHT=0, or RAGTUNE_GENERATOR_BACKEND=local",
        )
    return weight


class Agent:
    """The compiled graph and what it runs on; thread-safe, one per process."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        embedder: Embedder,
        judge: Judge,
        generator: Generator | None = None,
        *,
        owns_db: bool = False,
    ) -> None:
        self.settings = settings
        self.db = db
        self.embedder = embedder
        self._generator = generator
        self._owns_generator = generator is None
        self._owns_db = owns_db
        self._lock = threading.Lock()
        classifier = load_classifier(
            embedder, settings.router_examples, settings.resolved_state_dir()
        )
        router = build_router(
            settings.router,
            embedder,
            classifier,
            self.generator if settings.router == "llm" else None,
        )
        self.resources = AgentResources(
            db, embedder, judge, router, lambda: self.generator, agent_config(settings)
        )
        self._snapshots = SnapshotCache()
        self._pool = _checkpoint_pool(db)
        checkpointer = PostgresSaver(self._pool)
        checkpointer.setup()
        self.graph = build_graph().compile(checkpointer=checkpointer)

    @property
    def generator(self) -> Generator:
        """The configured generator, loaded on first use (routes without generation never
        pay for it)."""
        with self._lock:
            if self._generator is None:
                from generation.backends import create_generator

                self._generator = create_generator(self.settings)
            return self._generator

    def mermaid(self) -> str:
        """The graph drawn as a Mermaid flowchart (from the compiled graph itself)."""
        return self.graph.get_graph().draw_mermaid()

    def ask(
        self,
        question: str,
        principal: Principal,
        *,
        thread_id: str | None = None,
        route: RouteChoice = "auto",
        adapter: str | None = None,
        collection: str | None = None,
    ) -> Answer:
        """Answer ``question`` as ``principal``; ``thread_id`` continues a conversation;
        ``collection`` searches another collection than the configured one."""
        ctx = RunContext(
            self.resources, principal, requested_route=route, adapter=adapter, collection=collection
        )
        return self._run(question, thread_id, ctx)

    def _run(self, question: str, thread_id: str | None, ctx: RunContext) -> Answer:
        """One turn of ``thread_id`` (a new thread when None) as ``ctx`` says."""
        if ctx.requested_route not in ROUTE_CHOICES:
            raise InputError(
                f"Unknown route {ctx.requested_route!r}",
                hint=f"use one of {', '.join(ROUTE_CHOICES)}",
            )
        if not isinstance(question, str) or not question.strip():
            raise InputError("The question is empty", hint="ask something")
        if ctx.collection is not None:
            # An unknown name is an error whatever the route, not a search that finds nothing.
            with self.db.reading(ctx.principal) as conn:
                get_collection(conn, check_collection_name(ctx.collection))
        tid = thread_id or uuid.uuid4().hex
        threads.claim(self.db, tid, ctx.principal, question.strip())
        started = time.perf_counter()
        start = cast(AgentState, {**TURN_RESET, "question": question, "timings_ms": {}})
        state = self.graph.invoke(
            start,
            {"configurable": {"thread_id": tid}},
            context=ctx,
        )
        pins = self.pins(state.get("adapter"), ctx.search.collection)
        timings = dict(state.get("timings_ms", {}))
        timings["total"] = (time.perf_counter() - started) * 1000
        return _answer(state, tid, timings, pins)

    def pins(self, adapter: str | None = None, collection: str | None = None) -> PinsOut:
        """What an answer is produced by now, in hashes: the searched collection's snapshot
        (``collection``, or the configured one), the prompt templates, the judge, and
        ``adapter`` with its training data's SHA-256."""
        from generation import adapter_registry
        from generation.grounded_prompt import prompt_template_hash

        data_sha256 = None
        if adapter is not None:
            try:
                manifest = adapter_registry.get(self.db, adapter).manifest
                data_sha256 = (manifest.get("data") or {}).get("sha256")
            except NotFoundError:  # removed since it answered; the name still says which
                pass
        collection = collection or self.resources.config.search.collection
        return PinsOut(
            index_snapshot_sha256=self._snapshots.collection_sha256(self.db, collection),
            prompt_template_sha256=prompt_template_hash(),
            judge=self.resources.judge.fingerprint,
            adapter=adapter,
            adapter_data_sha256=data_sha256,
        )

    def dry_run_route(
        self, question: str, principal: Principal, *, route: RouteChoice = "auto"
    ) -> dict[str, Any]:
        """The route (and its reason and confidence) ``ask`` would take, without generating."""
        state = dry_run_route(
            question, RunContext(self.resources, principal, requested_route=route)
        )
        return {
            "route": state["route"],
            "route_reason": state["route_reason"],
            "route_confidence": state["route_confidence"],
            "route_by": state["route_by"],
            "best_relevance": state.get("best_relevance", 0.0),
            "timings_ms": dict(state.get("timings_ms", {})),
        }

    async def astream(
        self,
        question: str,
        principal: Principal,
        *,
        thread_id: str | None = None,
        route: RouteChoice = "auto",
        adapter: str | None = None,
        collection: str | None = None,
    ) -> AsyncIterator[AgentEvent]:
        """Events of one answer: route, retrieval, token..., citation..., then done (or error).

        The graph runs in a worker thread; closing the iterator early (a client that went
        away) cancels the run at its next node or token.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def emit(event: AgentEvent) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        ctx = RunContext(
            self.resources,
            principal,
            requested_route=route,
            adapter=adapter,
            emit=emit,
            collection=collection,
        )

        def work() -> None:
            try:
                answer = self._run(question, thread_id, ctx)
                event = AgentEvent("done", answer.to_json())
            except Cancelled:
                event = None
            except RagtuneError as exc:
                event = AgentEvent(
                    "error",
                    {
                        "message": exc.message,
                        "hint": exc.hint,
                        "status": exc.http_status,
                        "type": type(exc).__name__,
                    },
                )
            except Exception as exc:  # noqa: BLE001 - reported to the client, not swallowed
                event = AgentEvent(
                    "error",
                    {"message": f"internal error: {type(exc).__name__}", "hint": "", "status": 500},
                )
            loop.call_soon_threadsafe(queue.put_nowait, event)
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        task = loop.run_in_executor(None, work)
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    break
                if item is not None:
                    yield item
        finally:
            ctx.cancel.set()
            await asyncio.shield(task)

    def history(self, thread_id: str, principal: Principal) -> list[dict[str, Any]]:
        """The turns of ``principal``'s thread: ``{"role", "content", ...}``."""
        threads.get_owned(self.db, thread_id, principal)
        snapshot = self.graph.get_state({"configurable": {"thread_id": thread_id}})
        return list(snapshot.values.get("history", []))

    def threads(self, principal: Principal) -> list[dict[str, Any]]:
        """``principal``'s conversations, most recent first."""
        return [
            {"thread_id": t.thread_id, "title": t.title, "updated_at": t.updated_at.isoformat()}
            for t in threads.list_owned(self.db, principal)
        ]

    def close(self) -> None:
        """Release the checkpoint pool, the generator (if loaded here) and owned pools."""
        self._pool.close()
        if self._owns_generator and self._generator is not None:
            self._generator.close()
        if self._owns_db:
            self.db.close()


def _answer(
    state: dict[str, Any], thread_id: str, timings: dict[str, float], pins: PinsOut
) -> Answer:
    """The Answer of a finished turn, from the graph's final state."""
    v = state.get("verification", {})
    return Answer(
        answer=state["answer"],
        route=state["route"],
        route_reason=state["route_reason"],
        abstained=state["abstained"],
        citations=[Citation(**c) for c in state["citations"]],
        verification=Verification(
            v.get("supported_sentences", 0),
            v.get("total_sentences", 0),
            repaired=v.get("repaired"),
            answerability=v.get("answerability"),
        ),
        thread_id=thread_id,
        timings_ms=timings,
        route_confidence=state.get("route_confidence", 1.0),
        adapter=state.get("adapter"),
        pins=pins,
    )


def _checkpoint_pool(db: Database) -> ConnectionPool[Any]:
    # The checkpointer needs autocommit connections with dict rows; it gets its own small pool
    # on the admin login, since checkpoint tables hold retrieved text only the agent may read.
    try:
        return ConnectionPool(
            db.admin.conninfo,
            min_size=1,
            max_size=4,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=True,
            name="ragtune-checkpoints",
            **pool_recovery(),  # a restarted server's closed connections are never reused
        )
    except Exception as exc:
        raise DatabaseError(
            f"Cannot open the conversation store: {exc}", hint="check the database"
        ) from exc


def build_agent(
    settings: Settings,
    *,
    db: Database | None = None,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
    judge: Judge | None = None,
) -> Agent:
    """An Agent from the settings; pass parts that are already open to share them."""
    from evals.judges.registry import judge_from_settings
    from ragtune.resources import connect_settings, embedder_from_settings, quiet_libraries

    quiet_libraries()
    owns_db = db is None
    if db is None:
        db = connect_settings(settings)
    try:
        if embedder is None:
            embedder = embedder_from_settings(settings)
        if judge is None:
            judge = judge_from_settings(settings, embedder=embedder)
        return Agent(settings, db, embedder, judge, generator, owns_db=owns_db)
    except BaseException:
        if owns_db:
            db.close()
        raise
