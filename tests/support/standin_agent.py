"""A stand-in for agent.runtime.Agent: real permission-filtered search, an extractive answer.

It keeps the service tests fast and deterministic. It runs the real hybrid search as the
caller's principal, so row-level security decides what it can cite exactly as for the real
agent; ``test_standin_matches_agent`` checks its methods against the real interface.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from agent.answer import AgentEvent, Answer, Citation, Verification
from generation.adapter_registry import usable_adapters
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.options import SearchOptions
from ragtune.errors import InputError, NotFoundError, PermissionDeniedError
from ragtune.principal import Principal


class StandInAgent:
    """Answers with the top passages quoted, cited [1], [2]; threads kept in memory."""

    def __init__(self, db: Database, embedder: Embedder, *, token_delay_s: float = 0.0) -> None:
        self.db = db
        self.embedder = embedder
        self.token_delay_s = token_delay_s
        self._threads: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.cancelled = 0
        self.closed = False

    def _answer(
        self, question: str, principal: Principal, thread_id: str | None, route: str
    ) -> Answer:
        if not question.strip():
            raise InputError("The question is empty")
        if route in ("adapter", "both") and not usable_adapters(self.db, principal):
            raise PermissionDeniedError(f"{principal.user} may use no domain adapter")
        thread = self._thread(thread_id, principal, question)
        started = time.perf_counter()
        found = search(self.db, self.embedder, question, principal, SearchOptions(k=2))
        citations = [
            Citation(r.rank, r.source, r.section, r.page, r.chunk_id, r.text) for r in found.results
        ]
        if citations:
            text = " ".join(f"{' '.join(c.quote.split()[:12])} [{c.n}]." for c in citations)
            chosen = "rag" if route == "auto" else route
        else:
            text = "The documents you may read do not answer this."
            chosen = "none"
        answer = Answer(
            answer=text,
            route=chosen,  # type: ignore[arg-type]
            route_reason="stand-in: retrieval",
            abstained=not citations,
            citations=citations,
            verification=Verification(len(citations), len(citations)),
            thread_id=thread["id"],
            timings_ms={"retrieve": (time.perf_counter() - started) * 1000},
        )
        with self._lock:
            thread["turns"].append({"role": "user", "content": question, "answer": None})
            thread["turns"].append(
                {"role": "assistant", "content": text, "answer": answer.to_json()}
            )
        return answer

    def _thread(self, thread_id: str | None, principal: Principal, question: str) -> dict[str, Any]:
        with self._lock:
            if thread_id is None:
                thread_id = uuid.uuid4().hex
            thread = self._threads.get(thread_id)
            if thread is None:
                thread = self._threads[thread_id] = {
                    "id": thread_id,
                    "owner": principal.user,
                    "title": question[:60],
                    "turns": [],
                }
            elif thread["owner"] != principal.user:
                raise PermissionDeniedError(f"Thread {thread_id!r} belongs to another user")
            return thread

    def ask(
        self,
        question: str,
        principal: Principal,
        *,
        thread_id: str | None = None,
        route: Any = "auto",
        collection: str | None = None,
    ) -> Answer:
        return self._answer(question, principal, thread_id, route)

    async def astream(
        self,
        question: str,
        principal: Principal,
        *,
        thread_id: str | None = None,
        route: Any = "auto",
        collection: str | None = None,
    ) -> AsyncIterator[AgentEvent]:
        try:
            answer = await asyncio.to_thread(self._answer, question, principal, thread_id, route)
        except (InputError, PermissionDeniedError) as exc:
            yield AgentEvent(
                "error", {"message": exc.message, "hint": exc.hint, "type": type(exc).__name__}
            )
            return
        yield AgentEvent(
            "route", {"route": answer.route, "reason": answer.route_reason, "confidence": 1.0}
        )
        yield AgentEvent("retrieval", {"results": len(answer.citations)})
        try:
            for word in answer.answer.split(" "):
                if self.token_delay_s:
                    await asyncio.sleep(self.token_delay_s)
                yield AgentEvent("token", {"text": word + " "})
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        except GeneratorExit:
            self.cancelled += 1
            raise
        for c in answer.citations:
            yield AgentEvent("citation", c.to_json())
        yield AgentEvent("done", answer.to_json())

    def history(self, thread_id: str, principal: Principal) -> list[dict[str, Any]]:
        with self._lock:
            thread = self._threads.get(thread_id)
            if thread is None:
                raise NotFoundError(f"No thread {thread_id!r}")
            if thread["owner"] != principal.user:
                raise PermissionDeniedError(f"Thread {thread_id!r} belongs to another user")
            return list(thread["turns"])

    def threads(self, principal: Principal) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"thread_id": t["id"], "title": t["title"], "updated_at": None}
                for t in self._threads.values()
                if t["owner"] == principal.user
            ]

    def close(self) -> None:
        self.closed = True
