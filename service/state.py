"""What every request handler reaches through ``request.app.state.service``."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agent.answer import AgentEvent, Answer
from indexes.database import Database
from indexes.embeddings import Embedder
from ragtune.errors import ModelLoadError
from ragtune.principal import Principal
from ragtune.settings import Settings
from service.adapter_watch import AdapterWatch
from service.limits import GenerationSlots, RateLimiter
from service.metrics import Metrics


class AnsweringAgent(Protocol):
    """The part of ``agent.runtime.Agent`` the service uses."""

    def ask(
        self,
        question: str,
        principal: Principal,
        *,
        thread_id: str | None = None,
        route: Any = "auto",
        collection: str | None = None,
    ) -> Answer: ...

    def astream(
        self,
        question: str,
        principal: Principal,
        *,
        thread_id: str | None = None,
        route: Any = "auto",
        collection: str | None = None,
    ) -> AsyncIterator[AgentEvent]: ...

    def history(self, thread_id: str, principal: Principal) -> list[dict[str, Any]]: ...

    def threads(self, principal: Principal) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


@dataclass
class ServiceState:
    """The long-lived parts of one service process."""

    settings: Settings
    db: Database
    embedder_loader: Callable[[], Embedder]
    metrics: Metrics
    limiter: RateLimiter
    slots: GenerationSlots
    dev_principal: Principal | None = None
    agent: AnsweringAgent | None = None
    agent_error: str | None = None
    owns_db: bool = False
    loading: threading.Event = field(default_factory=threading.Event)
    adapter_watch: AdapterWatch = field(default_factory=AdapterWatch)  # hot swap (issue 14)
    # Ids of the background uploads this process runs (service/upload_jobs.py).
    upload_jobs: set[str] = field(default_factory=set)
    # Set when the service shuts down: background loops (settling uploads) end.
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def uploads_dir(self) -> Path:
        configured = self.settings.service_uploads_dir
        return (configured or self.settings.resolved_state_dir() / "uploads").expanduser().resolve()

    def require_agent(self) -> AnsweringAgent:
        """The agent, or ModelLoadError while it loads (or when loading failed)."""
        if self.agent is not None:
            return self.agent
        if self.agent_error is not None:
            raise ModelLoadError(
                f"The agent failed to load: {self.agent_error}", hint="see the service log"
            )
        # model_load, not overloaded: no slot is busy, the models are not there yet.
        raise ModelLoadError(
            "The agent is still loading its models", hint="retry in a few seconds; see /readyz"
        )
