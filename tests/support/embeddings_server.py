"""A real OpenAI-compatible ``/v1/embeddings`` server on 127.0.0.1 for the remote embedder's tests.

It serves a real model (the bundled all-MiniLM-L6-v2 through the torch embedder) over real
HTTP, with bodies built from the openai SDK's own response types, as text-embeddings-inference
or vLLM would. It can be scripted to fail (status codes for the next requests), to answer
slowly, or to return vectors of another dimension.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from openai.types import CreateEmbeddingResponse, Embedding
from openai.types.create_embedding_response import Usage

from indexes.embeddings import Embedder
from tests.support.openai_server import serve_app


@dataclass
class EmbeddingScript:
    """What the server does: failures to serve first, a delay, a dimension to cut to."""

    failures: list[int] = field(default_factory=list)  # status codes for the next requests
    delay_s: float = 0.0
    truncate_dim: int | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0  # the most requests the server held at once


def build_app(embedder: Embedder, script: EmbeddingScript) -> FastAPI:
    app = FastAPI()
    lock = threading.Lock()  # one model, one request at a time, as a single worker would

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Response:
        body = await request.json()
        script.requests.append(body)
        script.in_flight += 1  # one event loop: no lock needed
        script.max_in_flight = max(script.max_in_flight, script.in_flight)
        try:
            if script.delay_s:
                await asyncio.sleep(script.delay_s)
        finally:
            script.in_flight -= 1
        if script.failures:
            status = script.failures.pop(0)
            error = {"message": "scripted failure", "type": "server_error"}
            return JSONResponse({"error": error}, status_code=status)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]

        def run() -> np.ndarray:
            with lock:
                return embedder.embed(texts)

        vectors = await asyncio.to_thread(run)
        if script.truncate_dim is not None:
            vectors = vectors[:, : script.truncate_dim]
        data = [
            Embedding(embedding=v.tolist(), index=i, object="embedding")
            for i, v in enumerate(vectors)
        ]
        tokens = sum(embedder.count_tokens(t) for t in texts)
        reply = CreateEmbeddingResponse(
            data=data,
            model=str(body.get("model", embedder.name)),
            object="list",
            usage=Usage(prompt_tokens=tokens, total_tokens=tokens),
        )
        return JSONResponse(reply.model_dump())

    return app


@contextmanager
def serve_embeddings(embedder: Embedder, script: EmbeddingScript) -> Iterator[str]:
    """Run the server in a thread on a free loopback port; yield its /v1 base URL."""
    with serve_app(build_app(embedder, script), "the test embeddings server") as url:
        yield url


def free_port() -> int:
    """A loopback port nothing listens on (for 'server down')."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
