"""One check at the boundary for every text a client sends: no NUL, no lone surrogate.

PostgreSQL refuses NUL in text and UTF-8 cannot encode a lone surrogate, so either would fail
deep inside a request as a 500. ``TextInputGuard`` refuses them before any route runs, for
every JSON body field (questions, messages, comments, ids), the path and the query string;
``text_problem`` is the same check for text that arrives another way (chat messages, upload
file names).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_body
from service.media import is_json

_BAD = re.compile("[\x00\ud800-\udfff]")
_HINT = "send text without NUL characters (\\u0000) or unpaired surrogates (\\ud800-\\udfff)"


def _hint(problem: str) -> str:
    """What to change for ``problem`` (as ``_body_problem`` and ``_url_problem`` word it)."""
    if problem.endswith("not UTF-8"):
        return "encode the body as UTF-8"
    if problem.endswith("nested too deeply"):
        return "send JSON nested at most a few levels deep, as /docs shows"
    return _HINT


def text_problem(value: str) -> str | None:
    """What is wrong with ``value`` as text ("contains a NUL character"...), or None."""
    found = _BAD.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000)"
    return f"contains an unpaired surrogate (\\u{ord(found.group()):04x})"


def json_problem(value: Any, where: str = "body") -> str | None:
    """``"messages.0.content: contains a NUL character"`` for the first bad string (keys too)."""
    if isinstance(value, str):
        problem = text_problem(value)
        return f"{where}: {problem}" if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key)
            if problem:
                return f"{where}: a field name {problem}"
            found = json_problem(item, key if where == "body" else f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = json_problem(item, str(i) if where == "body" else f"{where}.{i}")
            if found:
                return found
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return is_json(value.decode("latin-1"))
    return False


class TextInputGuard:
    """Refuse a request whose path, query or JSON body holds a NUL or a lone surrogate: 422.

    Runs inside the body size limit, so the JSON it parses is never larger than allowed;
    bodies of other types (uploads) stream past unread.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._url_problem(scope)
        if problem is None and _is_json(scope):
            body, more = await _read_body(receive)
            problem = _body_problem(body)
            receive = _replay(body, more, receive)
        if problem is None:
            await self.app(scope, receive, send)
            return
        payload = json.dumps(
            error_body("Invalid request: " + problem, _hint(problem), "invalid_request")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    def _url_problem(scope: Scope) -> str | None:
        path_problem = text_problem(scope.get("path", ""))
        if path_problem:
            return f"the path {path_problem}"
        query = scope.get("query_string", b"").decode("latin-1")
        decoded = unquote(query, errors="surrogateescape")
        if "\x00" in decoded:
            return "the query string contains a NUL character (%00)"
        return None


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body; and a non-body message (a disconnect) if one came instead."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _body_problem(body: bytes) -> str | None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if "\x00" in text:
        return "the body contains a NUL byte"
    try:
        parsed = json.loads(text)
    except ValueError:
        return None  # not JSON: the route reports it as invalid JSON
    except RecursionError:
        return "the body is nested too deeply"
    return json_problem(parsed)


def _replay(body: bytes, extra: Message | None, receive: Receive) -> Receive:
    """A receive that hands the route the body already read, then what the client sends."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if extra is not None:
            return extra
        return await receive()

    return replay
