"""The agent in this process as an eval target: ``ragtune eval run --target inproc``.

It lives with the agent because evals never imports agent/; the root CLI hands it to the eval
commands (ragtune/cli.py). Each item is asked as its own principal, and the question is searched
again so the run records the ranking the agent's retrieve step saw.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from agent.runtime import build_agent
from evals.answers import AskResponse
from evals.metrics import SourceRef
from evals.suites import SuiteItem
from evals.targets import Attempt
from indexes.search.options import SearchOptions
from ragtune.errors import RagtuneError
from ragtune.principal import Principal
from ragtune.settings import Settings
from tools.rag import retrieve

log = logging.getLogger(__name__)


class InprocTarget:
    """The agent in this process (``agent.runtime.build_agent``), asked as each item's principal.

    After each answer the question is searched again with ``tools.rag.retrieve``, as the same
    principal and with the agent's own search options (``agent.resources.config.search``), so the
    recorded ranking is the one the agent's retrieve step sees for a question without a thread.
    """

    def __init__(self, settings: Settings, adapter: str | None = None) -> None:
        self._agent = build_agent(settings)
        self._adapter = adapter  # None: the adapter active for each item's principal

    @property
    def describe(self) -> str:
        return "inproc"

    @property
    def _search(self) -> SearchOptions:
        return self._agent.resources.config.search

    @property
    def retrieval(self) -> dict[str, Any]:
        o = self._search
        return {
            "scored": True,
            "from": "tools.rag.retrieve with the agent's search options, as the item's principal",
            "search": {
                "collection": o.collection,
                "k": o.k,
                "mode": o.mode,
                "candidates": o.candidates,
                "ef_search": o.ef_search,
                "rrf_k": o.rrf_k,
            },
        }

    def ask(self, item: SuiteItem) -> Attempt:
        started = time.perf_counter()
        try:
            principal = Principal(item.user, frozenset(item.groups))
            named = {"adapter": self._adapter} if self._adapter is not None else {}
            answer = self._agent.ask(
                item.question, principal, thread_id=None, route="auto", **named
            )
            response = AskResponse.model_validate(answer.to_json())
        except RagtuneError as exc:
            return Attempt(item.id, "error", error=str(exc))
        except Exception as exc:
            # One item's crash must not end the run: it is recorded (the run becomes partial)
            # and logged with its traceback.
            log.warning("agent failed on item %s", item.id, exc_info=True)
            return Attempt(item.id, "error", error=f"{type(exc).__name__}: {exc}")
        wall_ms = (time.perf_counter() - started) * 1000  # the answer only, not the re-search
        agent = self._agent
        try:
            found = retrieve(agent.db, agent.embedder, item.question, principal, self._search)
        except Exception as exc:
            # An error, not an unscorable note: a retrieval that fails on every item would
            # otherwise leave recall@k n/a and let the gate pass it.
            log.warning("retrieval failed on item %s", item.id, exc_info=True)
            return Attempt(
                item.id,
                "error",
                error=f"retrieval for recall@k failed: {type(exc).__name__}: {exc}",
                wall_ms=wall_ms,
            )
        retrieved = tuple(
            SourceRef(s.result.source, s.result.section or None, s.result.page)
            for s in found.sources
        )
        return Attempt(
            item.id,
            "ok",
            response=response,
            wall_ms=wall_ms,
            adapter=getattr(answer, "adapter", None),
            retrieved=retrieved,
        )

    def close(self) -> None:
        self._agent.close()
