"""Every text field a client sends is checked once at the boundary: a NUL or a lone
surrogate anywhere in a JSON body, the path or the query is a 422 naming the field, never a
500. Property-based: hypothesis writes the text, every JSON field of every endpoint gets it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.text_input import json_problem, text_problem
from tests.service.conftest import Keys, auth

BAD = ["\x00", "\ud800", "\udfff", "\udc00x\ud83d"]
# Any text at all, surrogates and control characters included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
BAD_TEXT = st.builds(
    lambda head, bad, tail: head + bad + tail, ANY_TEXT, st.sampled_from(BAD), ANY_TEXT
)

# One valid body per JSON endpoint; every string in it (at any depth) gets the bad text.
BODIES: dict[str, dict[str, Any]] = {
    "/v1/ask": {"question": "How many vacation days carry over?", "thread_id": "t-x"},
    "/v1/ask/stream": {"question": "How many vacation days carry over?"},
    "/v1/chat/completions": {
        "model": "ragtune",
        "messages": [
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": [{"type": "text", "text": "hi"}]},
            {"role": "user", "content": "vacation days", "name": "pat"},
        ],
        "user": "end-user-1",
        "thread_id": "t-y",
    },
    "/v1/feedback": {"thread_id": "t-z", "message_id": "m1", "rating": "up", "comment": "ok"},
}


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*path, i))]
    return []


def _replaced(body: Any, path: tuple[Any, ...], text: str) -> Any:
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = text
    return copy


FIELDS = [(url, path) for url, body in BODIES.items() for path in _string_paths(body)]


def _post(client: TestClient, url: str, body: Any, token: str) -> Any:
    # json.dumps escapes surrogates as \ud800, as a client written in any language may send.
    return client.post(
        url,
        content=json.dumps(body),
        headers={**auth(token), "Content-Type": "application/json"},
    )


def test_every_json_text_field_is_covered() -> None:
    assert len(FIELDS) >= 15  # questions, messages (both shapes), names, ids, comments...


@pytest.mark.parametrize(("url", "path"), FIELDS, ids=[f"{u}:{p}" for u, p in FIELDS])
@given(text=BAD_TEXT)
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
def test_nul_or_lone_surrogate_in_any_field_is_a_422(
    client: TestClient, keys: Keys, url: str, path: tuple[Any, ...], text: str
) -> None:
    response = _post(client, url, _replaced(BODIES[url], path, text), keys.alice)
    assert response.status_code == 422, (url, path, response.text[:300])
    error = response.json()["error"]
    assert error["type"] == "invalid_request" and error["hint"]
    assert str(path[-1]) in error["message"] or "field name" in error["message"]


@given(text=ANY_TEXT)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
def test_any_text_anywhere_is_never_a_server_error(
    client: TestClient, keys: Keys, text: str
) -> None:
    seen = 0
    for url, path in FIELDS:
        response = _post(client, url, _replaced(BODIES[url], path, text), keys.alice)
        assert response.status_code < 500, (url, path, text, response.text[:300])
        seen += 1
    assert seen == len(FIELDS)


def test_the_issue_findings(client: TestClient, keys: Keys) -> None:
    """The inputs an adversarial run found giving 500s."""
    cases = [
        ("/v1/ask", {"question": "what is \x00 vacation"}),
        ("/v1/ask/stream", {"question": "what is \x00 vacation"}),
        (
            "/v1/chat/completions",
            {"model": "ragtune", "messages": [{"role": "user", "content": "vacation \ud800 days"}]},
        ),
        (
            "/v1/chat/completions",
            {"model": "ragtune", "messages": [{"role": "user", "content": "a\x00"}]},
        ),
        ("/v1/feedback", {"thread_id": "t-1", "rating": "up", "comment": "bad \x00"}),
        ("/v1/feedback", {"thread_id": "t-1", "rating": "up", "message_id": "m\x00"}),
    ]
    for url, body in cases:
        response = _post(client, url, body, keys.alice)
        assert response.status_code == 422, (url, response.text[:200])
    deep = '{"question": "deep", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post(
        "/v1/ask", content=deep, headers={**auth(keys.alice), "Content-Type": "application/json"}
    )
    assert response.status_code == 422 and "deeply" in response.text
    assert "nested" in response.json()["error"]["hint"]
    latin1 = client.post(
        "/v1/ask",
        content='{"question": "Caf\xe9?"}'.encode("latin-1"),
        headers={**auth(keys.alice), "Content-Type": "application/json"},
    )
    assert (
        latin1.status_code == 422 and latin1.json()["error"]["hint"] == "encode the body as UTF-8"
    )
    assert client.get("/v1/documents?collection=a%00b", headers=auth(keys.alice)).status_code == 422


def test_json_problem_names_the_field() -> None:
    assert text_problem("fine") is None and text_problem("a\x00") is not None
    assert json_problem({"messages": [{"content": "x\ud800"}]}) == (
        "messages.0.content: contains an unpaired surrogate (\\ud800)"
    )
    assert json_problem({"ok": ["a", 1, None]}) is None
