"""The FastAPI application: ``create_app(settings)`` builds one service process.

The database is opened (and migrated) when the app is built; the agent's models load in a
background thread at start-up, and /readyz turns ready when they have. Tests and the
benchmark pass their own ``db`` and ``agent``; ``ragtune serve`` passes nothing.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.upload_jobs import interrupt_jobs
from ragtune.errors import RagtuneError
from ragtune.principal import Principal, parse_groups
from ragtune.resources import connect_settings, embedder_from_settings
from ragtune.settings import Settings, load_settings
from service.api import adapters, ask, documents, feedback, health, openai_compat, uploads
from service.docs_ui import install_docs
from service.errors import install_error_handlers
from service.http_protocol import use_header_timeout
from service.limits import BodyLimits, GenerationSlots, RateLimiter
from service.metrics import Metrics
from service.state import AnsweringAgent, ServiceState
from service.text_input import TextInputGuard
from service.upload_jobs import settle_uploads_in_background

log = logging.getLogger("ragtune.service")

AgentFactory = Callable[[Settings, Database], AnsweringAgent]
CHAT_PATH = "/chat"


def default_agent_factory(settings: Settings, db: Database) -> AnsweringAgent:
    """The real agent (agent/runtime.py), sharing the service's database pools."""
    from agent.runtime import build_agent

    agent: AnsweringAgent = build_agent(settings, db=db)
    return agent


def dev_principal(settings: Settings) -> Principal | None:
    """The explicit local dev principal, when ``service_dev_user`` is set."""
    if not settings.service_dev_user:
        return None
    return Principal(settings.service_dev_user, parse_groups(settings.service_dev_groups))


# A caller's request id is echoed in the response and the log, so only a plain token is taken
# (letters, digits and ". _ : -", up to 64); anything else (bytes that are not ASCII, spaces,
# control characters) gets an id of our own rather than an error.
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


def _request_id(sent: bytes) -> str:
    return sent.decode("ascii") if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


class RequestLog:
    """Give each request an id, count and time it, and log one JSON line when it ends."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CHAT_PATH):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers", []))
        request_id = _request_id(headers.get(b"x-request-id", b""))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(seconds)
            if status == 413:
                self.metrics.rejected.labels("size").inc()
            caller = scope.get("state", {}).get("caller")
            fields = {
                "request_id": request_id,
                "method": method,
                "path": template,
                "status": status,
                "ms": round(seconds * 1000, 1),
                "user": caller.principal.user if caller else None,
                "key": caller.key_prefix if caller else None,
                "dev": bool(caller and caller.dev),
            }
            log.info("request", extra={"fields": fields})


def _load_agent(state: ServiceState, factory: AgentFactory) -> None:
    started = time.perf_counter()
    try:
        agent = factory(state.settings, state.db)
        if state.settings.agent_generate:
            # The agent loads its language model on first use; /readyz promises it is loaded,
            # and the first user should not wait for it.
            getattr(agent, "generator", None)
        state.agent = agent
    except RagtuneError as exc:
        state.agent_error = str(exc)
        log.error("agent failed to load", extra={"fields": {"error": str(exc)}})
    except Exception as exc:  # a broken model install must show in /readyz, not kill the app
        state.agent_error = f"{type(exc).__name__}: {exc}"
        log.exception("agent failed to load")
    else:
        log.info(
            "agent ready", extra={"fields": {"seconds": round(time.perf_counter() - started, 2)}}
        )
    finally:
        state.loading.set()


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    agent: AnsweringAgent | None = None,
    agent_factory: AgentFactory | None = None,
    embedder_loader: Callable[[], Embedder] | None = None,
    chat: bool | None = None,
) -> FastAPI:
    """Build the service. Without ``agent`` it is built by ``agent_factory`` (default: the
    real one) in a background thread after start-up; with ``chat`` (default: the setting)
    the Chainlit frontend is mounted at /chat."""
    settings = settings or load_settings()
    state = build_state(settings, db, agent, embedder_loader)
    app = FastAPI(
        title="ragtune",
        version="0.1.0",
        summary="Answers from the company's documents and domain adapter, with citations.",
        description="Authenticate with `Authorization: Bearer <API key>` (`ragtune keys "
        "create`). Every request runs as the key's user and groups: documents, citations and "
        "adapters the key may not read are never returned. Errors are "
        '`{"error": {"message", "hint", "type"}}`.',
        lifespan=lifespan(state, agent_factory or default_agent_factory, owns_agent=agent is None),
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = state
    install_routes(app)
    if chat if chat is not None else settings.service_chat:
        from service.chat.mount import mount_chat

        mount_chat(app, state, CHAT_PATH)
    install_middleware(app, state)
    return app


def build_state(
    settings: Settings,
    db: Database | None,
    agent: AnsweringAgent | None,
    embedder_loader: Callable[[], Embedder] | None,
) -> ServiceState:
    """The process's shared state: the database (opened and migrated here unless given),
    limits, metrics and the agent, if one was given (then the service is ready at once)."""
    owns_db = db is None
    if db is None:
        db = connect_settings(settings)
    state = ServiceState(
        settings=settings,
        db=db,
        embedder_loader=embedder_loader or (lambda: embedder_from_settings(settings)),
        metrics=Metrics(),
        limiter=RateLimiter(settings.service_rate_per_minute, settings.service_rate_burst),
        slots=GenerationSlots(
            settings.service_max_concurrent_answers, wait_s=settings.service_timeout_s
        ),
        dev_principal=dev_principal(settings),
        agent=agent,
        owns_db=owns_db,
    )
    if agent is not None:
        state.loading.set()
    return state


def lifespan(
    state: ServiceState, factory: AgentFactory, *, owns_agent: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up: warn about dev mode and load the agent in the background; shutdown: close
    the agent (when the service built it) and the database (when the service opened it)."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        if state.dev_principal is not None:
            log.warning(
                "DEV MODE: requests without an API key run as %s (groups: %s)",
                state.dev_principal.user,
                ",".join(sorted(state.dev_principal.groups)) or "-",
                extra={"fields": {"dev_user": state.dev_principal.user}},
            )
        # Background uploads whose process died left their files as stored: keep or put back.
        settle_uploads_in_background(state)
        if state.agent is None:
            threading.Thread(
                target=_load_agent,
                args=(state, factory),
                name="ragtune-agent-loader",
                daemon=True,
            ).start()
        try:
            yield
        finally:
            state.stopping.set()
            if state.upload_jobs:
                try:
                    interrupt_jobs(state.db, list(state.upload_jobs))
                except Exception:  # the database is down: the jobs' heartbeats tell later
                    log.exception("could not mark the running uploads interrupted")
            if state.agent is not None and owns_agent:
                state.agent.close()
            if state.owns_db:
                state.db.close()

    return run


def install_routes(app: FastAPI) -> None:
    """The API docs, the error handlers and every router of service/api/."""
    install_docs(app)
    install_error_handlers(app)
    for module in (health, ask, openai_compat, documents, uploads, feedback, adapters):
        app.include_router(module.router)


def install_middleware(app: FastAPI, state: ServiceState) -> None:
    """Body size and read-time limits (uploads get their own size) and the text check, inside
    the request log."""
    settings = state.settings
    json_limit = settings.service_max_body_kb * 1024
    upload_limit = int(settings.service_max_upload_mb * 1_000_000)

    def limit_for(method: str, path: str) -> int:
        return (
            upload_limit if method == "POST" and path.rstrip("/") == "/v1/documents" else json_limit
        )

    # Inside the size limit: the guard reads JSON bodies whole, so they must be bounded first.
    app.add_middleware(TextInputGuard)
    app.add_middleware(
        BodyLimits,
        limit_for=limit_for,
        read_timeout_s=settings.service_body_timeout_s,
        min_rate_bytes_s=settings.service_body_min_rate_kb_s * 1024,
    )
    app.add_middleware(RequestLog, metrics=state.metrics)


def app_from_environment() -> FastAPI:
    """The factory uvicorn workers call (``--factory``): settings from the environment."""
    from service.logs import configure_json_logging

    settings = load_settings()
    configure_json_logging(settings.log_level)
    use_header_timeout(settings.service_header_timeout_s)
    return create_app(settings)
