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
    ANSWER_ERRORS,
    ClientGoneError,
    answer_events,
    collect_answer,
    disconnect_waiter,
    error_from_event,
    first_event,
)
from service.auth import CallerDep, State
from service.errors import error_body, error_type
from service.schemas import AskRequest

router = APIRouter(prefix="/v1/ask", tags=["ask"])


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
        collection=body.collection,
        disconnected=disconnect_waiter(request.receive),
    )


@router.post("", response_model=AskResponse, responses=ANSWER_ERRORS, summary="Ask a question")
async def ask(state: State, who: CallerDep, body: AskRequest, request: Request) -> AskResponse:
    """The answer, with its route, citations and verification (``ragtune ask --json``)."""
    events = _events(state, who, body, request)
    return AskResponse.model_validate(await collect_answer(events))


@router.post(
    "/stream",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Events `route`, `retrieval`, `token`, `citation`, then `done` "
            "(the /v1/ask body) or `error` ({message, hint, type}).",
        },
        **ANSWER_ERRORS,
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
