"""What a graph run gets besides its state: LangGraph's run context (``context_schema``).

The context carries the agent's long-lived resources (database, embedder, judge, router,
generator, knobs) and the run's own facts (who asks, the route they forced, where streamed
events go, the cancel flag). None of it is checkpointed: who asked and where the tokens go are
never written to the checkpoint tables, and the nodes, being plain module-level functions, take
everything they use from here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from agent.answer import AgentEvent, RouteChoice
from agent.router import Router
from evals.judges.protocol import Judge
from generation.generator import Generator
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import SearchOptions
from ragtune.errors import RagtuneError
from ragtune.principal import Principal


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
    # Routes whose grounded answer the model drafts; on the others the verify step writes the
    # extractive answer directly (see agent.nodes.generate.draft_routes).
    draft_routes: frozenset[str] = frozenset({"rag", "both"})
    # "abstain": an answer whose cited passages miss what was asked is declined; "report":
    # the check is only reported in the verification.
    answerability: str = "report"
    # Weight of the local model's question likelihood when re-ordering the top
    # ``likelihood_depth`` sources (tools/rag.py reorder_by_likelihood); 0: off.
    likelihood_weight: float = 0.0
    likelihood_depth: int = 5


@dataclass
class AgentResources:
    """The long-lived parts every run uses; ``generator`` loads the model on first call."""

    db: Database
    embedder: Embedder
    judge: Judge
    router: Router
    generator: Callable[[], Generator]
    config: AgentConfig


class Cancelled(RagtuneError):
    """The caller went away; the run stops at the next node or token."""

    http_status = 499


@dataclass
class RunContext:
    """One run's context: the agent's resources, who is asking, what route they forced, and
    where streamed events go."""

    resources: AgentResources
    principal: Principal
    requested_route: RouteChoice = "auto"
    adapter: str | None = None
    emit: Callable[[AgentEvent], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    # The collection this run searches; None: the configured one.
    collection: str | None = None

    @property
    def search(self) -> SearchOptions:
        """The search options of this run: the agent's, on the run's collection."""
        options = self.resources.config.search
        if self.collection is None or self.collection == options.collection:
            return options
        return replace(options, collection=self.collection)

    def send(self, event: AgentEvent) -> None:
        if self.emit is not None:
            self.emit(event)

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled("The request was cancelled", hint="ask again")
