"""The official openai SDK against a real uvicorn server running the real agent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from indexes.database import Database
from indexes.embeddings import Embedder
from tests.service.conftest import HR_MARKERS, Keys, LiveServer, build_real_app

PUBLIC_QUESTION = "What does error code E-214 mean on a Stacker?"
HR_QUESTION = "What is the midpoint of the L4 salary band?"


@pytest.fixture(scope="module")
def server(
    service_db: Database, real_agent: object, embedder: Embedder, service_state_dir: Path
) -> Iterator[LiveServer]:
    app = build_real_app(service_db, real_agent, embedder, service_state_dir)
    with LiveServer(app) as live:
        yield live


def sdk(server: LiveServer, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0, timeout=60)


def test_models(server: LiveServer, keys: Keys) -> None:
    ids = [m.id for m in sdk(server, keys.alice).models.list()]
    assert ids == ["ragtune", "ragtune-rag", "ragtune-adapter", "ragtune-both"]
    one = sdk(server, keys.alice).models.retrieve("ragtune-rag")
    assert one.id == "ragtune-rag" and one.object == "model"
    with pytest.raises(openai.NotFoundError, match="gpt-4o"):
        sdk(server, keys.alice).models.retrieve("gpt-4o")


def _markers(text: str) -> set[int]:
    """The passage numbers an answer cites as [n]."""
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_completion_with_citations_and_a_continued_thread(server: LiveServer, keys: Keys) -> None:
    client = sdk(server, keys.alice)
    messages: list[dict[str, str]] = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": PUBLIC_QUESTION},
    ]
    first = client.chat.completions.create(model="ragtune-rag", messages=messages)  # type: ignore[arg-type]
    text = first.choices[0].message.content or ""
    extra = first.model_extra or {}
    assert first.object == "chat.completion" and first.choices[0].finish_reason == "stop"
    assert extra["citations"] and _markers(text) <= {c["n"] for c in extra["citations"]}
    assert _markers(text)
    assert set(extra["citations"][0]) == {"n", "source", "section", "page", "chunk_id", "quote"}
    thread = extra["ragtune"]["thread_id"]
    assert extra["ragtune"]["route"] == "rag"
    # What produced it: the index snapshot, the prompts and the judge, no adapter on rag.
    pins = extra["ragtune"]["pins"]
    assert len(pins["index_snapshot_sha256"]) == 64 and len(pins["prompt_template_sha256"]) == 64
    assert pins["judge"] and pins["adapter"] is None

    # The client resends the conversation: the same agent thread continues.
    messages += [
        {"role": "assistant", "content": text},
        {"role": "user", "content": "How is it cleared?"},
    ]
    second = client.chat.completions.create(model="ragtune", messages=messages)  # type: ignore[arg-type]
    assert (second.model_extra or {})["ragtune"]["thread_id"] == thread
    # An explicit thread id is honoured too.
    third = client.chat.completions.create(
        model="ragtune",
        messages=[{"role": "user", "content": "Which manual covers it?"}],
        extra_body={"thread_id": thread},
    )
    assert (third.model_extra or {})["ragtune"]["thread_id"] == thread


def test_streamed_completion(server: LiveServer, keys: Keys) -> None:
    stream = sdk(server, keys.alice).chat.completions.create(
        model="ragtune-rag",
        messages=[{"role": "user", "content": PUBLIC_QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts: list[str] = []
    finals = []
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        delta = chunk.choices[0].delta
        parts.append(delta.content or "")
        if chunk.choices[0].finish_reason:
            finals.append(chunk)
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    extra = finals[0].model_extra or {}
    assert extra["citations"] and finals[0].usage is not None
    text = "".join(parts)
    assert _markers(text) and _markers(text) <= {c["n"] for c in extra["citations"]}


def test_no_hr_text_for_a_key_without_hr(server: LiveServer, keys: Keys) -> None:
    client = sdk(server, keys.alice)
    for model in ("ragtune", "ragtune-rag", "ragtune-both"):
        try:
            plain = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": HR_QUESTION}]
            )
            dumped = plain.model_dump_json()
        except openai.APIStatusError as exc:  # e.g. no adapter this key may use
            dumped = json.dumps(exc.body)
        assert not any(m in dumped for m in HR_MARKERS), (model, dumped)
        try:
            chunks = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": HR_QUESTION}], stream=True
            )
            streamed = "".join(c.model_dump_json() for c in chunks)
        except openai.APIError as exc:
            streamed = str(exc)
        assert not any(m in streamed for m in HR_MARKERS), (model, streamed)


def test_errors_reach_the_sdk_as_exceptions(server: LiveServer, keys: Keys) -> None:
    client = sdk(server, keys.alice)
    with pytest.raises(openai.NotFoundError, match="gpt-4o"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.AuthenticationError, match="unknown or revoked"):
        sdk(server, "rt_wrong").models.list()
    with pytest.raises(openai.BadRequestError, match="last message must be the user"):
        client.chat.completions.create(
            model="ragtune", messages=[{"role": "assistant", "content": "hello"}]
        )
    with pytest.raises(openai.UnprocessableEntityError, match="messages"):
        client.chat.completions.create(model="ragtune", messages=[])
    with pytest.raises(openai.BadRequestError, match="only image_url parts"):
        client.chat.completions.create(
            model="ragtune",
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
                }
            ],
        )
    with pytest.raises(openai.UnprocessableEntityError, match="n: "):
        client.chat.completions.create(
            model="ragtune", messages=[{"role": "user", "content": "hi"}], n=2
        )


def test_a_request_may_search_another_collection(server: LiveServer, keys: Keys) -> None:
    garden = b"# Annex\n\nThe annex rooftop garden opens at 07:30 on weekdays.\n"
    made = httpx.post(
        server.url + "/v1/documents",
        files=[("files", ("garden.md", garden))],
        data={"collection": "annex"},
        headers={"Authorization": f"Bearer {keys.root}"},
        timeout=120,
    )
    assert made.status_code == 201, made.text
    question = "When does the annex rooftop garden open?"
    native = httpx.post(
        server.url + "/v1/ask",
        json={"question": question, "collection": "annex"},
        headers={"Authorization": f"Bearer {keys.alice}"},
        timeout=120,
    )
    assert native.status_code == 200, native.text
    body = native.json()
    assert "07:30" in body["answer"] and {c["source"] for c in body["citations"]} == {"garden.md"}
    # The default collection does not hold it.
    default = httpx.post(
        server.url + "/v1/ask",
        json={"question": question},
        headers={"Authorization": f"Bearer {keys.alice}"},
        timeout=120,
    ).json()
    assert "garden.md" not in {c["source"] for c in default["citations"]}

    client = sdk(server, keys.alice)
    messages = [{"role": "user", "content": question}]
    done = client.chat.completions.create(
        model="ragtune-rag",
        messages=messages,  # type: ignore[arg-type]
        extra_body={"collection": "annex"},
    )
    assert "07:30" in (done.choices[0].message.content or "")
    assert {c["source"] for c in (done.model_extra or {})["citations"]} == {"garden.md"}
    with pytest.raises(openai.NotFoundError, match="annexe"):
        client.chat.completions.create(
            model="ragtune-rag",
            messages=messages,  # type: ignore[arg-type]
            extra_body={"collection": "annexe"},
        )
    missing = httpx.post(
        server.url + "/v1/ask",
        json={"question": question, "collection": "annexe"},
        headers={"Authorization": f"Bearer {keys.alice}"},
        timeout=120,
    )
    assert missing.status_code == 404 and "ragtune ingest --collection" in missing.text
