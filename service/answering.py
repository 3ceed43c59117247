"""Run the agent for one request: a generation slot, a timeout, and cancellation when the
client goes away. Every endpoint that answers (native, streamed, OpenAI-compatible, chat UI)
goes through ``answer_events``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import suppress
from typing import Any

from agent.answer import AgentEvent
from ragtune.errors import (
    ConfigError,
    DatabaseError,
    InputError,
    ModelLoadError,
    ModelMismatchError,
    NotFoundError,
    PermissionDeniedError,
    RagtuneError,
)
from ragtune.principal import Principal
from service.adapter_watch import loaded_generator
from service.errors import GenerationTimeoutError
from service.schemas import ErrorResponse
from service.state import ServiceState
from service.text_input import text_problem

log = logging.getLogger("ragtune.service")

KEEPALIVE_S = 15.0
# The documented error responses of every endpoint that answers: bad input, auth, permission,
# unknown thread or adapter, body too large, validation, rate limit, loading, timeout.
ANSWER_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 422, 429, 503, 504)
}
_ERROR_CLASSES: dict[str, type[RagtuneError]] = {}
for _cls in (
    InputError,
    PermissionDeniedError,
    NotFoundError,
    DatabaseError,
    ModelLoadError,
    ModelMismatchError,
    ConfigError,
    GenerationTimeoutError,
):
    _ERROR_CLASSES[_cls.__name__] = _cls
    _ERROR_CLASSES[_cls.__name__.removesuffix("Error").lower()] = _cls


class ClientGoneError(RagtuneError):
    """The client closed the connection; the generation was cancelled."""

    http_status = 499


_BY_STATUS: dict[int, type[RagtuneError]] = {
    400: InputError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ModelMismatchError,
    503: ModelLoadError,
    504: GenerationTimeoutError,
}


def error_from_event(data: dict[str, Any]) -> RagtuneError:
    """The ragtune error an ``error`` event stands for, from its ``type`` (class name) or
    its ``status`` (HTTP status)."""
    kind = str(data.get("type") or "").replace("_", "")
    cls = _ERROR_CLASSES.get(kind) or _ERROR_CLASSES.get(kind.lower())
    if cls is None:
        status = data.get("status")
        cls = _BY_STATUS.get(status, RagtuneError) if isinstance(status, int) else RagtuneError
    return cls(str(data.get("message") or "The agent failed"), str(data.get("hint") or ""))


def check_question(state: ServiceState, question: str) -> str:
    """Refuse empty and over-long questions before any work is done."""
    limit = state.settings.agent_max_question_chars
    if not question.strip():
        raise InputError("The question is empty", hint="ask something")
    problem = text_problem(question)
    if problem:
        raise InputError(f"The question {problem}", hint="send plain text")
    if len(question) > limit:
        raise InputError(
            f"The question is {len(question)} characters long; the limit is {limit}",
            hint="shorten it (agent_max_question_chars)",
        )
    return question


async def answer_events(
    state: ServiceState,
    question: str,
    principal: Principal,
    *,
    thread_id: str | None,
    route: str,
    collection: str | None = None,
    disconnected: Callable[[], Awaitable[None]] | None = None,
) -> AsyncGenerator[AgentEvent | None, None]:
    """The agent's events, then nothing: ``None`` items are keep-alive ticks.

    Raises GenerationTimeoutError past ``service_timeout_s`` and ClientGoneError when
    ``disconnected`` completes; either way the agent's stream is closed, which stops its
    generation. The first step waits for a generation slot (OverloadedError when none frees).
    """
    check_question(state, question)
    agent = state.require_agent()
    await asyncio.to_thread(state.adapter_watch.refresh, state.db, loaded_generator(agent))
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    async with state.slots.slot():
        deadline = loop.time() + state.settings.service_timeout_s
        events = agent.astream(
            question, principal, thread_id=thread_id, route=route, collection=collection
        )
        gone: asyncio.Future[Any] = (
            asyncio.ensure_future(disconnected()) if disconnected else loop.create_future()
        )
        nxt: asyncio.Future[AgentEvent] | None = None
        finished = False
        state.metrics.streams_active.inc()
        try:
            while True:
                if nxt is None:
                    nxt = asyncio.ensure_future(anext(events))
                remaining = deadline - loop.time()
                if remaining <= 0:
                    state.metrics.cancelled.labels("timeout").inc()
                    raise GenerationTimeoutError(
                        f"No answer within {state.settings.service_timeout_s:g} s",
                        hint="ask a shorter question, or raise service_timeout_s",
                    )
                done, _ = await asyncio.wait(
                    {nxt, gone},
                    timeout=min(remaining, KEEPALIVE_S),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if nxt in done:
                    ready, nxt = nxt, None
                    try:
                        event = ready.result()
                    except StopAsyncIteration:
                        return
                    if event.type == "done":
                        _count_answer(state, event.data, time.perf_counter() - started)
                    if event.type in ("done", "error"):
                        finished = True
                    yield event
                    if finished:
                        return
                elif gone in done:
                    state.metrics.cancelled.labels("disconnect").inc()
                    log.info(
                        "client disconnected; generation cancelled",
                        extra={"fields": {"user": principal.user}},
                    )
                    raise ClientGoneError("The client disconnected")
                elif loop.time() < deadline:
                    yield None
        except (asyncio.CancelledError, GeneratorExit):
            # The response was abandoned mid-stream (the server saw the client go).
            if not finished:
                state.metrics.cancelled.labels("disconnect").inc()
                log.info(
                    "client disconnected; generation cancelled",
                    extra={"fields": {"user": principal.user}},
                )
            raise
        finally:
            state.metrics.streams_active.dec()
            gone.cancel()
            if nxt is not None:
                nxt.cancel()
                with suppress(BaseException):
                    await nxt
            closer = getattr(events, "aclose", None)
            if closer is not None:
                with suppress(Exception):
                    await closer()


def _count_answer(state: ServiceState, data: dict[str, Any], seconds: float) -> None:
    state.metrics.answers.labels(str(data.get("route", "unknown"))).inc()
    state.metrics.answer_seconds.observe(seconds)
    log.info(
        "answer",
        extra={
            "fields": {
                "route": data.get("route"),
                "abstained": data.get("abstained"),
                "citations": len(data.get("citations") or []),
                "thread_id": data.get("thread_id"),
                "agent_ms": round(seconds * 1000, 1),
            }
        },
    )


async def collect_answer(events: AsyncIterator[AgentEvent | None]) -> dict[str, Any]:
    """The ``done`` event's answer JSON; the ``error`` event raised as its ragtune error."""
    async for event in events:
        if event is None:
            continue
        if event.type == "done":
            return event.data
        if event.type == "error":
            raise error_from_event(event.data)
    raise RagtuneError("The agent ended without an answer", hint="see the service log")


async def first_event(
    events: AsyncGenerator[AgentEvent | None, None],
) -> AgentEvent | None:
    """Wait for the first real event so early errors become a plain HTTP error response."""
    async for event in events:
        if event is None:
            continue
        if event.type == "error":
            await events.aclose()
            raise error_from_event(event.data)
        return event
    return None


def disconnect_waiter(
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
) -> Callable[[], Awaitable[None]]:
    """A coroutine factory that returns once the ASGI peer sends ``http.disconnect``."""

    async def wait() -> None:
        while True:
            message = await receive()
            if message.get("type") == "http.disconnect":
                return

    return wait
