"""POST /v1/ask and /v1/ask/stream with the real agent: the answer contract, permissions,
threads and bad input."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from ragtune.answer_contract import AskResponse
from tests.service.conftest import HR_MARKERS, Keys, auth

HR_QUESTION = "What is the midpoint of the L4 salary band?"
PUBLIC_QUESTION = "What does error code E-214 mean on a Stacker?"


def sse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln and not ln.startswith(":")]
        if not lines:
            continue
        name = next(ln[7:] for ln in lines if ln.startswith("event: "))
        data = json.loads("".join(ln[6:] for ln in lines if ln.startswith("data: ")))
        events.append((name, data))
    return events


def test_ask_returns_the_answer_contract(real_client: TestClient, keys: Keys) -> None:
    r = real_client.post("/v1/ask", json={"question": PUBLIC_QUESTION}, headers=auth(keys.alice))
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == list(AskResponse.model_fields)
    assert body["route"] in ("rag", "both") and body["citations"], body
    first = body["citations"][0]
    assert set(first) == {"n", "source", "section", "page", "chunk_id", "quote"}
    # Every [n] in the answer names a listed citation (n is the passage's rank, not 1..k).
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert body["abstained"] or (markers and markers <= {c["n"] for c in body["citations"]})
    assert r.headers["x-request-id"]


def test_hr_text_never_reaches_a_key_without_hr(
    real_client: TestClient, keys: Keys, hr_chunk_ids: set[str]
) -> None:
    for route in ("auto", "rag", "both"):
        r = real_client.post(
            "/v1/ask", json={"question": HR_QUESTION, "route": route}, headers=auth(keys.alice)
        )
        text = r.text
        assert not any(m in text for m in HR_MARKERS), (route, text)
        if r.status_code == 200:
            cited = {c["chunk_id"] for c in r.json()["citations"]}
            assert not cited & hr_chunk_ids, route
        streamed = real_client.post(
            "/v1/ask/stream",
            json={"question": HR_QUESTION, "route": route},
            headers=auth(keys.alice),
        )
        assert not any(m in streamed.text for m in HR_MARKERS), (route, streamed.text)
        assert hr_chunk_ids.isdisjoint(
            {d.get("chunk_id") for _, d in sse_events(streamed.text) if isinstance(d, dict)}
        )
    # The same question from someone in hr is answered from the hr document.
    hr = real_client.post("/v1/ask", json={"question": HR_QUESTION}, headers=auth(keys.harriet))
    assert hr.status_code == 200
    assert {c["chunk_id"] for c in hr.json()["citations"]} & hr_chunk_ids


def test_stream_sends_the_route_before_tokens_and_done_last(
    real_client: TestClient, keys: Keys
) -> None:
    with real_client.stream(
        "POST", "/v1/ask/stream", json={"question": PUBLIC_QUESTION}, headers=auth(keys.alice)
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = sse_events(text)
    names = [n for n, _ in events]
    assert "route" in names and names[-1] == "done", names
    assert names.index("route") < names.index("token") if "token" in names else True
    done = events[-1][1]
    assert list(done) == list(AskResponse.model_fields)
    cited = [d for n, d in events if n == "citation"]
    assert [c["n"] for c in cited] == [c["n"] for c in done["citations"]]


def test_threads_continue_and_belong_to_their_user(real_client: TestClient, keys: Keys) -> None:
    first = real_client.post(
        "/v1/ask", json={"question": PUBLIC_QUESTION}, headers=auth(keys.alice)
    ).json()
    tid = first["thread_id"]
    again = real_client.post(
        "/v1/ask",
        json={"question": "How do I clear it?", "thread_id": tid},
        headers=auth(keys.alice),
    )
    assert again.status_code == 200 and again.json()["thread_id"] == tid
    stolen = real_client.post(
        "/v1/ask", json={"question": "And then?", "thread_id": tid}, headers=auth(keys.harriet)
    )
    assert stolen.status_code == 403
    assert stolen.json()["error"]["type"] == "permission_denied"
    stolen_stream = real_client.post(
        "/v1/ask/stream",
        json={"question": "And then?", "thread_id": tid},
        headers=auth(keys.harriet),
    )
    assert stolen_stream.status_code == 403


def test_bad_input_is_a_clear_4xx(real_client: TestClient, keys: Keys) -> None:
    h = auth(keys.alice)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"json": {}}, 422, "question: Field required"),
        ({"json": {"question": 42}}, 422, "question: Input should be a valid string"),
        ({"json": {"question": ""}}, 422, "question"),
        ({"json": {"question": "   "}}, 400, "The question is empty"),
        ({"json": {"question": "x" * 2001}}, 400, "the limit is 2000"),
        ({"json": {"question": "hi", "route": "fast"}}, 422, "route"),
        ({"json": {"question": "hi", "colour": "red"}}, 422, "colour: Extra inputs"),
        ({"json": {"question": "hi", "thread_id": "no spaces"}}, 422, "thread_id"),
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "not valid JSON",
        ),
        ({"json": ["a list"]}, 422, "Input should be a valid dictionary"),
    ]
    for kwargs, status, needle in cases:
        headers = {**h, **kwargs.pop("headers", {})}
        for path in ("/v1/ask", "/v1/ask/stream"):
            r = real_client.post(path, headers=headers, **kwargs)
            assert r.status_code == status, (path, kwargs, r.text)
            error = r.json()["error"]
            assert needle in error["message"], (path, error)
            assert error["hint"] is not None
    # The hint says what to change where the problem is: a body sent as plain text is told
    # to send JSON, naming what it sent; a bad query parameter is not told about the body.
    plain = real_client.post(
        "/v1/ask", content=b'{"question": "hi"}', headers={**h, "content-type": "text/plain"}
    )
    assert plain.status_code == 422
    assert "Content-Type: application/json" in plain.json()["error"]["hint"]
    assert "text/plain" in plain.json()["error"]["hint"]
    long_name = real_client.get("/v1/documents", params={"collection": "c" * 64}, headers=h)
    assert long_name.status_code == 422
    assert "query parameters" in long_name.json()["error"]["hint"]


def test_oversize_body_is_413(real_client: TestClient, keys: Keys) -> None:
    body = json.dumps({"question": "x" * 300_000})
    r = real_client.post(
        "/v1/ask", content=body, headers={**auth(keys.alice), "content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["type"] == "payload_too_large"

    def chunks() -> Any:  # no Content-Length: the limit applies while reading
        yield b'{"question": "'
        for _ in range(40):
            yield b"y" * 10_000
        yield b'"}'

    streamed = real_client.post(
        "/v1/ask",
        content=chunks(),
        headers={**auth(keys.alice), "content-type": "application/json"},
    )
    assert streamed.status_code == 413


def test_unknown_paths_and_methods(real_client: TestClient, keys: Keys) -> None:
    r = real_client.get("/v1/nothing", headers=auth(keys.alice))
    assert r.status_code == 404 and "No such endpoint" in r.json()["error"]["message"]
    assert real_client.get("/v1/ask", headers=auth(keys.alice)).status_code == 405
