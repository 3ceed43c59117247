"""The HTTP protocol ``ragtune serve`` runs: a client that does not finish its request's
headers in time is disconnected, on a new connection and between kept-alive requests, and
nothing that arrived in time is cut short (a real uvicorn server, raw sockets)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from indexes.database import Database
from indexes.embeddings import Embedder
from service.http_protocol import HTTP_PROTOCOL, HeaderTimedH11Protocol, use_header_timeout
from tests.service.conftest import Keys, LiveServer, auth, build_app

TIMEOUT_S = 1.0


class QuickHeaders(HeaderTimedH11Protocol):
    header_timeout_s = TIMEOUT_S


@pytest.fixture(scope="module")
def server(
    service_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    # Each answer token takes 0.1 s: an answer takes longer than the header deadline.
    app, _ = build_app(service_db, embedder, tmp_path_factory.mktemp("headers"), token_delay_s=0.1)
    with LiveServer(app, http=QuickHeaders) as live:
        yield live


def _closed_after(conn: socket.socket, *, trickle: bytes = b"", every_s: float = 0.3) -> float:
    """Seconds until the server closes ``conn``, sending ``trickle`` a byte every ``every_s``
    meanwhile; fails after 10 s."""
    started = time.monotonic()
    conn.settimeout(every_s)
    sent = 0
    while time.monotonic() - started < 10:
        try:
            if not conn.recv(4096):
                return time.monotonic() - started
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - started
        if sent < len(trickle):
            try:
                conn.sendall(trickle[sent : sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started
            sent += 1
    raise AssertionError("the server kept the connection open for 10 s")


def _status(conn: socket.socket) -> bytes:
    """The status line of the next whole response on ``conn`` (headers and body read)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(4096)
    return head.split(b"\r\n", 1)[0]


def test_a_connection_that_sends_nothing_is_closed(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        assert TIMEOUT_S * 0.9 <= _closed_after(conn) < TIMEOUT_S + 2


def test_headers_trickled_a_byte_at_a_time_do_not_hold_the_connection(
    server: LiveServer,
) -> None:
    # Each byte comes well inside any pause limit; the headers as a whole never end in time.
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        assert _closed_after(conn, trickle=head) < TIMEOUT_S + 2


def test_a_kept_alive_connection_must_send_its_next_headers_in_time(server: LiveServer) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(request)
        assert _status(conn) == b"HTTP/1.1 200 OK"
        time.sleep(TIMEOUT_S / 2)
        conn.sendall(request)  # in time: answered on the same connection
        assert _status(conn) == b"HTTP/1.1 200 OK"
        # The next request starts but its headers never end: the wait is timed again.
        conn.sendall(b"GET /healthz HTTP/1.1\r\n")
        assert _closed_after(conn) < TIMEOUT_S + 2


def test_a_request_whose_headers_arrived_is_answered_however_long_it_takes(
    server: LiveServer, keys: Keys
) -> None:
    with httpx.Client(timeout=30) as client:
        started = time.monotonic()
        answer = client.post(
            server.url + "/v1/ask",
            json={"question": "What does error code E-214 mean on a Stacker?"},
            headers=auth(keys.alice),
        )
        took = time.monotonic() - started
        assert answer.status_code == 200, answer.text
        assert answer.json()["answer"]
        assert took > TIMEOUT_S * 1.5  # it outlasted the header deadline, and was not cut
        # A slow body is BodyLimits' to judge, not the header deadline's (test_cancellation).


def test_serve_runs_this_protocol_with_the_configured_deadline() -> None:
    """``ragtune serve`` names the protocol to uvicorn by import path (each worker imports it),
    and the app factory sets the deadline from service_header_timeout_s."""
    module, _, name = HTTP_PROTOCOL.partition(":")
    assert getattr(__import__(module, fromlist=[name]), name) is HeaderTimedH11Protocol
    before = HeaderTimedH11Protocol.header_timeout_s
    try:
        use_header_timeout(7.5)
        assert HeaderTimedH11Protocol.header_timeout_s == 7.5
        assert QuickHeaders.header_timeout_s == TIMEOUT_S
    finally:
        use_header_timeout(before)
