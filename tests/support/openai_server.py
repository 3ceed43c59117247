"""A small OpenAI-compatible chat server on 127.0.0.1, for testing the remote backend.

It is a fake only because vLLM cannot run here. It is held to the real interface both ways:
request bodies are validated with the openai SDK's own request types (a malformed request
gets 422, as from a real server) and every response is built from the SDK's own response
models. It serves canned replies per model name (a LoRA adapter is a model name, as with vLLM
``--lora-modules``), streams them as server-sent events, honours ``max_tokens`` and ``stop``,
and can be scripted to fail (429 with Retry-After, 500) or to answer slowly.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.completion_create_params import (
    CompletionCreateParamsNonStreaming,
    CompletionCreateParamsStreaming,
)
from openai.types.completion_usage import CompletionUsage
from pydantic import TypeAdapter, ValidationError

_STREAMING = TypeAdapter(CompletionCreateParamsStreaming)
_WHOLE = TypeAdapter(CompletionCreateParamsNonStreaming)


@dataclass
class Script:
    """What the server does: replies per model, failures to serve first, delays, a key."""

    replies: dict[str, str] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)  # status codes for the next requests
    failure_message: str = "scripted failure"
    retry_after_ms: int = 20
    chunk_delay_s: float = 0.0
    first_byte_delay_s: float = 0.0
    api_key: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    chunks_sent: int = 0
    authorization: list[str] = field(default_factory=list)


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return JSONResponse(body, status_code=status, headers=headers)


def _words(text: str) -> list[str]:
    """The fake's 'tokens': words with their leading space."""
    out: list[str] = []
    for i, word in enumerate(text.split(" ")):
        out.append(word if i == 0 else " " + word)
    return out


def build_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        data = [
            Model(id=m, created=0, object="model", owned_by="ragtune-tests") for m in script.replies
        ]
        return {"object": "list", "data": [m.model_dump() for m in data]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        script.authorization.append(request.headers.get("authorization", ""))
        if script.api_key is not None and request.headers.get("authorization") != (
            f"Bearer {script.api_key}"
        ):
            return _error(401, "Incorrect API key provided.", "invalid_request_error")
        raw = await request.json()
        try:
            body = (_STREAMING if raw.get("stream") else _WHOLE).validate_python(raw)
            list(body["messages"])  # Iterable fields validate lazily: force them
        except ValidationError as exc:
            return JSONResponse({"detail": exc.errors(include_url=False)}, status_code=422)
        script.requests.append(raw)
        if script.failures:
            status = script.failures.pop(0)
            headers = {"retry-after-ms": str(script.retry_after_ms)} if status == 429 else None
            kind = "invalid_request_error" if status < 500 else "server_error"
            return _error(status, f"{script.failure_message} ({status})", kind, headers)
        model = raw["model"]
        if model not in script.replies:
            return _error(404, f"The model `{model}` does not exist.", "invalid_request_error")
        if script.first_byte_delay_s:
            await asyncio.sleep(script.first_byte_delay_s)
        words = _words(script.replies[model])
        limit = raw.get("max_tokens") or len(words)
        finish = "length" if len(words) > limit else "stop"
        words = words[:limit]
        text = "".join(words)
        stops = raw.get("stop") or []
        for stop in [stops] if isinstance(stops, str) else stops:
            if stop in text:  # as vLLM does: cut before the stop string, finish "stop"
                text, finish = text[: text.index(stop)], "stop"
                words = _words(text) if text else []
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in raw["messages"])
        usage = CompletionUsage(
            prompt_tokens=prompt_tokens,
            completion_tokens=len(words),
            total_tokens=prompt_tokens + len(words),
        )
        if not raw.get("stream"):
            reply = ChatCompletion(
                id="chatcmpl-test",
                object="chat.completion",
                created=int(time.time()),
                model=model,
                choices=[
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": finish,
                    }
                ],
                usage=usage,
            )
            return Response(reply.model_dump_json(exclude_none=True), media_type="application/json")
        include_usage = bool((raw.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(
            _events(script, model, words, finish, usage if include_usage else None),
            media_type="text/event-stream",
        )

    return app


async def _events(
    script: Script, model: str, words: list[str], finish: str, usage: CompletionUsage | None
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], reason: str | None = None, **extra: Any) -> str:
        body = ChatCompletionChunk(
            id="chatcmpl-test",
            object="chat.completion.chunk",
            created=0,
            model=model,
            choices=[{"index": 0, "delta": delta, "finish_reason": reason}]
            if delta is not None
            else [],
            **extra,
        )
        return f"data: {body.model_dump_json(exclude_none=True)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for word in words:
        if script.chunk_delay_s:
            await asyncio.sleep(script.chunk_delay_s)
        script.chunks_sent += 1
        yield chunk({"content": word})
    yield chunk({}, finish)
    if usage is not None:
        yield chunk(None, usage=usage)  # type: ignore[arg-type]
    yield "data: [DONE]\n\n"


@contextmanager
def serve(script: Script) -> Iterator[str]:
    """Run the server in a thread on a free loopback port; yield its /v1 base URL."""
    with serve_app(build_app(script), "the test OpenAI server") as url:
        yield url


@contextmanager
def serve_app(app: Any, name: str) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free loopback port; yield its /v1 base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
