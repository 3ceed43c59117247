"""A real HTTP server on loopback standing in for the ragtune service (issue 7, built elsewhere).

It keeps the service's contract exactly: ``POST /v1/ask`` with the JSON body
``{"question", "thread_id", "route"}`` and ``Authorization: Bearer <key>``, answering with
the ask JSON shape; errors are JSON with a ``message``. Answers are the recorded ones of
tests/support/recorded.py, looked up by question; one question is answered slowly so a client
timeout can be tested.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

KEY = "test-key-eval"
SLOW_S = 1.5


class _AskHandler(BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, dict[str, Any]]] = {}
    slow: ClassVar[frozenset[str]] = frozenset()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/v1/ask":
            self._reply(404, {"message": "not found"})
            return
        auth = self.headers.get("Authorization", "")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if auth != f"Bearer {KEY}":
            self._reply(401, {"message": "missing or unknown API key", "hint": "send a key"})
            return
        if set(body) != {"question", "thread_id", "route"} or body["route"] != "auto":
            self._reply(422, {"message": f"bad request body {sorted(body)}"})
            return
        if body["question"] in self.slow:
            time.sleep(SLOW_S)
        answer = self.answers.get(body["question"])
        if answer is None:
            self._reply(500, {"message": "the agent failed"})
            return
        self._reply(200, answer)


@contextmanager
def serving(
    answers: Mapping[str, dict[str, Any]], slow: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Serve ``answers`` (question -> ask JSON) on loopback; yields the base URL."""
    handler = type("Handler", (_AskHandler,), {"answers": dict(answers), "slow": slow})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (a service that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
