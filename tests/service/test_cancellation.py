"""Generation timeouts and client disconnects stop the agent's work, and a client that stalls
while sending a body is answered 408 (real uvicorn server, the stand-in agent slowed down so
the timing is under the test's control)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from indexes.database import Database
from indexes.embeddings import Embedder
from tests.service.api.test_ask import sse_events
from tests.service.conftest import Keys, LiveServer, auth, build_app
from tests.support.standin_agent import StandInAgent

QUESTION = "What does error code E-214 mean on a Stacker?"


@pytest.fixture(scope="module")
def slow(
    service_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, StandInAgent]]:
    app, agent = build_app(
        service_db,
        embedder,
        tmp_path_factory.mktemp("slow"),
        token_delay_s=0.25,
        service_timeout_s=2.0,
        service_body_timeout_s=1.0,  # shorter than the streams below: they must not trip it
        service_body_min_rate_kb_s=0.01,  # about 10 bytes a second, after the first second
    )
    with LiveServer(app) as live:
        yield live, agent


def _wait_for(predicate: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _metric(server: LiveServer, name: str) -> float:
    text = httpx.get(server.url + "/metrics").text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_stream_whose_client_leaves_is_cancelled(
    slow: tuple[LiveServer, StandInAgent], keys: Keys
) -> None:
    server, agent = slow
    before = agent.cancelled
    with (
        httpx.Client(timeout=10) as client,
        client.stream(
            "POST",
            server.url + "/v1/ask/stream",
            json={"question": QUESTION},
            headers=auth(keys.alice),
        ) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event: token"):
                break  # one token, then hang up
    assert _wait_for(lambda: agent.cancelled == before + 1), "generation was not cancelled"
    assert _metric(server, 'ragtune_generations_cancelled_total{reason="disconnect"}') >= 1
    assert _metric(server, "ragtune_streams_active") == 0


def test_a_plain_request_whose_client_leaves_is_cancelled(
    slow: tuple[LiveServer, StandInAgent], keys: Keys
) -> None:
    server, agent = slow
    before = agent.cancelled
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            server.url + "/v1/ask",
            json={"question": QUESTION},
            headers=auth(keys.alice),
            timeout=0.8,
        )
    assert _wait_for(lambda: agent.cancelled == before + 1), "generation was not cancelled"


def test_generation_timeout(slow: tuple[LiveServer, StandInAgent], keys: Keys) -> None:
    server, _ = slow
    long_question = "E-214 " * 8  # more words in the answer: longer than the 2 s timeout
    plain = httpx.post(
        server.url + "/v1/ask",
        json={"question": long_question},
        headers=auth(keys.alice),
        timeout=30,
    )
    assert plain.status_code == 504, plain.text
    assert plain.json()["error"]["type"] == "generation_timeout"
    streamed = httpx.post(
        server.url + "/v1/ask/stream",
        json={"question": long_question},
        headers=auth(keys.alice),
        timeout=30,
    )
    events = sse_events(streamed.text)
    assert events[-1][0] == "error" and events[-1][1]["type"] == "generation_timeout"
    assert _metric(server, 'ragtune_generations_cancelled_total{reason="timeout"}') >= 2


def test_standin_matches_the_agent_interface() -> None:
    import inspect

    from agent.runtime import Agent

    for name in ("ask", "astream", "history", "threads", "close"):
        real = inspect.signature(getattr(Agent, name))
        fake = inspect.signature(getattr(StandInAgent, name))
        real_params = [p for p in real.parameters if p != "adapter"]
        assert list(fake.parameters) == real_params, name


def test_the_request_id_is_echoed(slow: tuple[LiveServer, StandInAgent]) -> None:
    server, _ = slow
    r = httpx.get(server.url + "/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"


def test_a_request_id_that_is_no_plain_token_is_replaced_not_an_error(
    slow: tuple[LiveServer, StandInAgent],
) -> None:
    server, _ = slow
    for sent in (b"caf\xe9", b"two words", b"x" * 65):
        r = httpx.get(server.url + "/healthz", headers={"X-Request-ID": sent})
        assert r.status_code == 200, sent
        echoed = r.headers["x-request-id"]
        assert echoed.isalnum() and len(echoed) == 32, (sent, echoed)


def _raw_ask(keys: Keys) -> tuple[bytes, bytes]:
    """The head and the body of a POST /v1/ask, to send by hand over a socket."""
    body = json.dumps({"question": QUESTION}).encode()
    head = (
        f"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {keys.alice}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head, body


def _rest_of_reply(conn: socket.socket, reply: bytes) -> bytes:
    """``reply`` read on to the end of its JSON body, or until the server closes."""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply


def _refusal(reply: bytes, status: bytes) -> dict[str, str]:
    """The error of a raw HTTP ``reply``, checked to carry ``status``."""
    status_line, _, rest = reply.partition(b"\r\n")
    assert status in status_line, reply
    return dict(json.loads(rest.partition(b"\r\n\r\n")[2])["error"])


def test_a_client_that_stalls_while_sending_a_body_gets_408(
    slow: tuple[LiveServer, StandInAgent], keys: Keys
) -> None:
    server, _ = slow
    head, body = _raw_ask(keys)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(head + body[:10])  # then nothing: a slow or stuck client
        started = time.monotonic()
        reply = _rest_of_reply(conn, b"")
        waited = time.monotonic() - started
    error = _refusal(reply, b" 408 ")
    assert "stopped arriving" in error["message"] and "service_body_timeout_s" in error["hint"]
    assert 0.9 <= waited < 5


def test_a_client_that_trickles_its_body_just_inside_the_pause_limit_gets_408(
    slow: tuple[LiveServer, StandInAgent], keys: Keys
) -> None:
    """A byte every 0.6 s never pauses for the 1 s limit, but falls behind the minimum rate:
    without it the 60-byte body below would hold the connection for 36 s."""
    server, _ = slow
    head, body = _raw_ask(keys)
    with socket.create_connection(("127.0.0.1", server.port), timeout=0.6) as conn:
        conn.sendall(head)
        started = time.monotonic()
        reply = b""
        for byte in body:
            try:
                conn.sendall(bytes([byte]))
                reply += conn.recv(4096)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if reply:
                break
        conn.settimeout(5)
        reply = _rest_of_reply(conn, reply)
        waited = time.monotonic() - started
    error = _refusal(reply, b" 408 ")
    assert "slower than" in error["message"] and "service_body_min_rate_kb_s" in error["hint"]
    assert waited < 10
