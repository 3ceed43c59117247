"""Request limits: body size, per-key rate (token bucket), and concurrent generations.

The rate limiter and the generation slots live in one process; with several uvicorn workers
each worker enforces them on its own share (docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import (
    OverloadedError,
    PayloadTooLargeError,
    RateLimitedError,
    error_body,
)


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over a limit with 413, by Content-Length or while reading.

    ``limit_for(method, path)`` gives the limit in bytes for one request (uploads get more).
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(send, limit)
                    return
        started = False
        too_large = False
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_large = True
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if too_large:
                return  # the app's own reply to the aborted read is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            pass
        if too_large and not started:
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        exc = PayloadTooLargeError(
            f"The request body is larger than the limit of {limit} bytes",
            hint="send less; uploads may be larger (service_max_upload_mb)",
        )
        body = json.dumps(error_body(exc.message, exc.hint, "payload_too_large")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: ``burst`` requests at once, refilled at ``per_minute``."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for ``key``; RateLimitedError (with Retry-After) when there is none."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = (1.0 - bucket.tokens) / self.rate
        raise RateLimitedError(
            f"Too many requests for this API key (limit {self.rate * 60:g} per minute, "
            f"bursts of {self.burst:g})",
            hint=f"retry after {wait:.1f} s",
            retry_after_s=wait,
        )


class GenerationSlots:
    """At most ``size`` answers generated at once; a request waits up to ``wait_s`` for one."""

    def __init__(self, size: int, wait_s: float) -> None:
        self._semaphore = asyncio.Semaphore(size)
        self.size = size
        self.wait_s = wait_s
        self.busy = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout=self.wait_s)
        except TimeoutError:
            raise OverloadedError(
                f"All {self.size} answer slots stayed busy for {self.wait_s:.0f} s",
                hint="retry later, or raise service_max_concurrent_answers",
            ) from None
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1
            self._semaphore.release()
