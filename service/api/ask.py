"""The native API: ``POST /v1/ask`` (one JSON answer) and ``/v1/ask/stream`` (SSE)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from agent.answer import AgentEvent
from ragtune.answer_contract import AskResponse
from ragtune.errors import RagtuneError
from service import sse
from service.answering import (
    ClientGoneError,
    answer_events,
    collect_answer,
    disconnect_waiter,
    error_from_event,
)
from service.auth import CallerDep, State
from service.errors import error_body, error_type
from service.schemas import AskRequest, ErrorResponse

router = APIRouter(prefix="/v1/ask", tags=["ask"])

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 422, 429, 503, 504)
}


def _events(
    state: State, who: CallerDep, body: AskRequest, request: Request
) -> AsyncGenerator[AgentEvent | None, None]:
    """The agent's events for ``body``, run as the caller and stopped if the client leaves."""
    return answer_events(
        state,
        body.question,
        who.principal,
        thread_id=body.thread_id,
        route=body.route,
        disconnected=disconnect_waiter(request.receive),
    )


@router.post("", response_model=AskResponse, responses=_ERRORS, summary="Ask a question")
async def ask(state: State, who: CallerDep, body: AskRequest, request: Request) -> AskResponse:
    """The answer, with its route, citations and verification (``ragtune ask --json``)."""
    events = _events(state, who, body, request)
    return AskResponse.model_validate(await collect_answer(events))


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


@router.post(
    "/stream",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Events `route`, `retrieval`, `token`, `citation`, then `done` "
            "(the /v1/ask body) or `error` ({message, hint, type}).",
        },
        **_ERRORS,
    },
    response_class=StreamingResponse,
    summary="Ask a question; stream the answer as server-sent events",
)
async def ask_stream(
    state: State, who: CallerDep, body: AskRequest, request: Request
) -> StreamingResponse:
    events = _events(state, who, body, request)
    first = await first_event(events)

    async def stream() -> AsyncIterator[str]:
        try:
            if first is not None:
                yield sse.sse_event(first.type, first.data)
            async for event in events:
                if event is None:
                    yield sse.KEEPALIVE
                    continue
                data = event.data
                if event.type == "error":
                    data = {**data, "type": error_type(error_from_event(data))}
                yield sse.sse_event(event.type, data)
        except ClientGoneError:
            return
        except RagtuneError as exc:
            err = error_body(exc.message, exc.hint, error_type(exc))["error"]
            yield sse.sse_event("error", err)
        finally:
            await events.aclose()

    return StreamingResponse(stream(), media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)
