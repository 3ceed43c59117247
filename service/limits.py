"""Request limits: body size and read time, per-key rate (token bucket), and concurrent
generations.

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
    BodyTimeoutError,
    OverloadedError,
    PayloadTooLargeError,
    RateLimitedError,
    error_body,
)


class _Refused(Exception):
    """The body broke a limit; ``error`` is the answer the client gets instead."""

    def __init__(self, error: PayloadTooLargeError | BodyTimeoutError, kind: str) -> None:
        self.error = error
        self.kind = kind


class BodyLimits:
    """Refuse request bodies over a size limit with 413 (by Content-Length or while reading),
    and with 408 clients that pause longer than ``read_timeout_s`` while sending one, or send
    it slower on average than ``min_rate_bytes_s`` once ``read_timeout_s`` has passed.

    ``limit_for(method, path)`` gives the size limit in bytes for one request (uploads get
    more). Without the timeout a client trickling an upload a byte at a time holds its
    connection, and the stored part of its body, for as long as it likes; without the rate, a
    client that sends a byte just before each timeout does. The body's deadline is its start
    plus ``read_timeout_s`` plus what has arrived at the minimum rate, so any client faster
    than that rate is never cut short. Only the body's reads are timed: after it, the app's
    own waits (for a disconnect) are left alone. ``read_timeout_s`` 0 turns both off.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit_for: Callable[[str, str], int],
        read_timeout_s: float = 0,
        min_rate_bytes_s: float = 0,
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.read_timeout_s = read_timeout_s
        self.min_rate_bytes_s = min_rate_bytes_s

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
                    await _refuse(send, *_too_large(limit))
                    return
        started = False
        refused: _Refused | None = None
        seen = 0
        body_done = False
        body_started: float | None = None

        async def limited_receive() -> Message:
            nonlocal seen, refused, body_done, body_started
            if body_done or not self.read_timeout_s:
                message = await receive()
            else:
                now = time.monotonic()
                body_started = now if body_started is None else body_started
                wait, slow = self.read_timeout_s, _too_slow(self.read_timeout_s)
                if self.min_rate_bytes_s:
                    deadline = body_started + self.read_timeout_s + seen / self.min_rate_bytes_s
                    if deadline - now < wait:
                        wait, slow = max(deadline - now, 0.0), _below_rate(self.min_rate_bytes_s)
                try:
                    message = await asyncio.wait_for(receive(), wait)
                except TimeoutError:
                    refused = _Refused(*slow)
                    raise refused from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if seen > limit:
                    refused = _Refused(*_too_large(limit))
                    raise refused
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused is not None:
                return  # the app's own reply to the aborted read is replaced by the refusal
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _Refused:
            pass
        if refused is not None and not started:
            await _refuse(send, refused.error, refused.kind)


def _too_large(limit: int) -> tuple[PayloadTooLargeError, str]:
    return PayloadTooLargeError(
        f"The request body is larger than the limit of {limit} bytes",
        hint="send less; uploads may be larger (service_max_upload_mb)",
    ), "payload_too_large"


def _too_slow(timeout_s: float) -> tuple[BodyTimeoutError, str]:
    return BodyTimeoutError(
        f"The request body stopped arriving for {timeout_s:g} s",
        hint="send the body without pauses (service_body_timeout_s sets the limit)",
    ), "request_timeout"


def _below_rate(rate_bytes_s: float) -> tuple[BodyTimeoutError, str]:
    return BodyTimeoutError(
        f"The request body arrived slower than {rate_bytes_s / 1024:g} KiB/s on average",
        hint="send the body faster (service_body_min_rate_kb_s sets the limit)",
    ), "request_timeout"


async def _refuse(send: Send, exc: PayloadTooLargeError | BodyTimeoutError, kind: str) -> None:
    body = json.dumps(error_body(exc.message, exc.hint, kind)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.http_status,
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
