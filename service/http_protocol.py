"""The HTTP/1.1 protocol ``ragtune serve`` runs under uvicorn: uvicorn's h11 protocol with a
deadline on each request's headers.

uvicorn times nothing before a request's headers are complete: a client that connects and
sends nothing, or sends a header line now and then, holds its connection (and a place under
any concurrency limit) for as long as it likes. Here the headers must be complete within
``header_timeout_s`` of the connection opening, or of the previous response ending on a
kept-alive connection; otherwise the connection is closed. The body has its own limits
(service/limits.py ``BodyLimits``).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ragtune.settings import Settings

# How uvicorn is told to use it (``uvicorn.run(http=...)``): a worker process imports it.
HTTP_PROTOCOL = "service.http_protocol:HeaderTimedH11Protocol"


class HeaderTimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers do not arrive in time.

    ``header_timeout_s`` (0: no deadline) is set once per worker process by the app factory
    from ``service_header_timeout_s`` (``use_header_timeout``), before any connection opens.
    """

    header_timeout_s: ClassVar[float] = Settings.model_fields["service_header_timeout_s"].default

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._headers_arrived()  # the request line and headers are in (or it upgraded)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A kept-alive connection waits for its next request's headers: timed again, unless
        # a pipelined request already arrived with the last one.
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._headers_arrived()
        if self.header_timeout_s > 0:
            self._header_deadline = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _headers_arrived(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        # Nothing of a request has been answered on this wait, so nothing is cut short: close
        # as uvicorn closes an idle kept-alive connection.
        try:
            self.conn.send(h11.ConnectionClosed())
        except h11.LocalProtocolError:
            pass
        self.transport.close()


def use_header_timeout(seconds: float) -> None:
    """Set this process's header deadline (``service_header_timeout_s``; 0: none)."""
    HeaderTimedH11Protocol.header_timeout_s = seconds
