"""OpenAI-compatible endpoints: ``/v1/chat/completions`` (plain and streamed), ``/v1/models``
and ``/v1/models/{model}``, so any OpenAI client (the SDK, Open WebUI...) can use ragtune.

The model name picks the route. The reply carries the answer's [n] markers, and the response
adds ``citations`` (the /v1/ask citation objects) and ``ragtune`` (route, reason, abstention,
verification, thread id, pins). A client that resends the conversation continues the same agent
thread: after each answer the hash of the conversation so far is linked to the thread.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from indexes.chat_history import link_history, linked_thread
from ragtune.errors import InputError, NotFoundError, RagtuneError
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
from service.openai_schemas import (
    MODEL_DESCRIPTIONS,
    MODEL_ROUTES,
    ChatCompletionRequest,
    ChatMessage,
    ModelCard,
    ModelList,
    usage,
)
from service.state import ServiceState

router = APIRouter(prefix="/v1", tags=["openai"])
_STARTED = int(time.time())


def history_hash(user: str, messages: list[tuple[str, str]]) -> str:
    """A stable digest of who spoke and what, for matching a resent conversation."""
    blob = json.dumps([user, messages], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _turns(messages: list[ChatMessage]) -> list[tuple[str, str]]:
    return [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]


def _question(body: ChatCompletionRequest) -> str:
    last = body.messages[-1]
    if last.role != "user":
        raise InputError(
            "The last message must be the user's question",
            hint="end messages with {'role': 'user', 'content': '...'}",
        )
    text = last.text()
    if not text.strip() and isinstance(last.content, list):
        kinds = sorted({p.type for p in last.content if p.type != "text"})
        if kinds:
            raise InputError(
                f"The question has no text, only {', '.join(kinds)} parts, which ragtune does "
                "not read",
                hint="ask in a text part: {'type': 'text', 'text': '...'}",
            )
    return text


def _route(model: str) -> str:
    if model not in MODEL_ROUTES:
        raise NotFoundError(
            f"The model {model!r} does not exist",
            hint="use one of " + ", ".join(MODEL_ROUTES) + " (GET /v1/models)",
        )
    return MODEL_ROUTES[model]


def _thread_for(state: ServiceState, user: str, body: ChatCompletionRequest) -> str | None:
    if body.thread_id:
        return body.thread_id
    earlier = _turns(body.messages[:-1])
    if not earlier:
        return None
    return linked_thread(state.db, history_hash(user, earlier), user)


def _link(
    state: ServiceState, user: str, body: ChatCompletionRequest, answer: dict[str, Any]
) -> None:
    turns = [*_turns(body.messages), ("assistant", str(answer.get("answer", "")))]
    link_history(state.db, history_hash(user, turns), user, str(answer["thread_id"]))


def _extras(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "citations": answer.get("citations", []),
        "ragtune": {
            key: answer.get(key)
            for key in ("route", "route_reason", "abstained", "verification", "thread_id", "pins")
        },
    }


@router.get(
    "/models", response_model=ModelList, responses=ANSWER_ERRORS, summary="The routes as models"
)
async def models(who: CallerDep) -> ModelList:
    return ModelList(
        data=[
            ModelCard(id=name, created=_STARTED, description=MODEL_DESCRIPTIONS[name])
            for name in MODEL_ROUTES
        ]
    )


@router.get(
    "/models/{model}",
    response_model=ModelCard,
    responses=ANSWER_ERRORS,
    summary="One route as a model",
)
async def model(model: str, who: CallerDep) -> ModelCard:
    _route(model)  # a 404 that lists the models for any other name
    return ModelCard(id=model, created=_STARTED, description=MODEL_DESCRIPTIONS[model])


@router.post(
    "/chat/completions",
    responses={
        200: {
            "description": "A chat.completion object, or with stream=true a text/event-stream "
            "of chat.completion.chunk objects ending in `data: [DONE]`.",
            "content": {"application/json": {}, "text/event-stream": {}},
        },
        **ANSWER_ERRORS,
    },
    summary="OpenAI-compatible chat completion",
)
async def chat_completions(
    state: State, who: CallerDep, body: ChatCompletionRequest, request: Request
) -> Any:
    route = _route(body.model)
    question = _question(body)
    user = who.principal.user
    thread_id = await run_in_threadpool(_thread_for, state, user, body)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    events = answer_events(
        state,
        question,
        who.principal,
        thread_id=thread_id,
        route=route,
        collection=body.collection,
        disconnected=disconnect_waiter(request.receive),
    )
    if not body.stream:
        answer = await collect_answer(events)
        await run_in_threadpool(_link, state, user, body, answer)
        text = str(answer.get("answer", ""))
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": body.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage(question, text),
                **_extras(answer),
            }
        )

    first = await first_event(events)

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return sse.sse_data(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
        )

    async def stream() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        streamed: list[str] = []
        try:
            pending = [first] if first is not None else []
            async for event in _chain(pending, events):
                if event is None:
                    yield sse.KEEPALIVE
                elif event.type == "token":
                    text = str(event.data.get("text", ""))
                    streamed.append(text)
                    yield chunk({"content": text})
                elif event.type == "error":
                    exc = error_from_event(event.data)
                    yield sse.sse_data(error_body(exc.message, exc.hint, error_type(exc)))
                    return
                elif event.type == "done":
                    answer = event.data
                    final = str(answer.get("answer", ""))
                    # The agent may repair or replace a streamed draft after verifying it:
                    # send what differs so the client's text ends equal to the answer.
                    sent = "".join(streamed)
                    if final != sent:
                        tail = final[len(sent) :] if final.startswith(sent) else "\n\n" + final
                        yield chunk({"content": tail})
                    await run_in_threadpool(_link, state, user, body, answer)
                    extra = _extras(answer)
                    if body.stream_options and body.stream_options.include_usage:
                        extra["usage"] = usage(question, final)
                    yield chunk({}, "stop", **extra)
            yield sse.sse_data("[DONE]")
        except ClientGoneError:
            return
        except RagtuneError as exc:
            yield sse.sse_data(error_body(exc.message, exc.hint, error_type(exc)))
        finally:
            await events.aclose()

    return StreamingResponse(stream(), media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)


async def _chain(first: list[Any], rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for item in first:
        yield item
    async for item in rest:
        yield item
