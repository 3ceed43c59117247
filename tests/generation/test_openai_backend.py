"""The remote backend through the real openai SDK, against a local OpenAI-compatible server
(tests/support/openai_server.py): requests, adapters as model names, streaming, cancellation,
retries with backoff, timeouts, and errors that say what to change."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from generation.backends import BACKENDS, create_generator, params_from_settings
from generation.context_window import ContextOverflowError
from generation.generator import GenerationParams
from generation.openai_backend import OpenAIGenerator, RemoteGenerationError
from ragtune.errors import ConfigError, InputError, NotFoundError
from ragtune.settings import Settings
from tests.support.openai_server import Script, serve

BASE = "phi-3-mini-4k"
REPLY = "Our support desk answers tickets within one business day."
STYLED = "Per the Acme service charter, tickets are acknowledged within one business day."
KEY = "sk-test-do-not-print-7f3a"


@pytest.fixture
def script() -> Script:
    return Script(replies={BASE: REPLY, "support-style": STYLED})


@pytest.fixture
def url(script: Script) -> Iterator[str]:
    with serve(script) as base_url:
        yield base_url


def remote(url: str, **options: object) -> OpenAIGenerator:
    return OpenAIGenerator(base_url=url, model=BASE, **options)  # type: ignore[arg-type]


def _post(url: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(
        f"{url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_fake_server_enforces_the_sdk_request_types(url: str) -> None:
    robot = [{"role": "robot", "content": "hi"}]
    assert _post(url, {"model": BASE, "messages": robot, "stream": True}) == 422
    user = [{"role": "user", "content": "x"}]
    assert _post(url, {"model": BASE, "messages": user, "max_tokens": "ten"}) == 422
    assert _post(url, {"model": BASE, "messages": user}) == 200


def test_generate_sends_the_parameters_and_reads_usage(url: str, script: Script) -> None:
    params = GenerationParams(max_new_tokens=50, temperature=0.3, top_p=0.9, seed=7)
    result = remote(url).generate(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "SLA?"}], params
    )
    assert result.text == REPLY and result.model == BASE and result.adapter is None
    assert result.completion_tokens == len(REPLY.split()) and result.prompt_tokens == 3
    assert result.finish_reason == "stop"
    assert result.ttft_ms is not None and result.tokens_per_s is not None
    sent = script.requests[-1]
    assert sent["model"] == BASE and sent["max_tokens"] == 50 and sent["seed"] == 7
    assert sent["temperature"] == 0.3 and sent["top_p"] == 0.9
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_the_adapter_is_the_model_name(url: str, script: Script) -> None:
    result = remote(url).generate("SLA?", GenerationParams(adapter="support-style"))
    assert result.text == STYLED and result.adapter == "support-style"
    assert script.requests[-1]["model"] == "support-style"
    assert result.response().model_dump()["adapter"] == "support-style"


def test_length_and_stop(url: str, script: Script) -> None:
    short = remote(url).generate("SLA?", GenerationParams(max_new_tokens=3))
    assert short.text == "Our support desk" and short.finish_reason == "length"
    stopped = remote(url).generate("SLA?", GenerationParams(stop=(" within",)))
    assert stopped.text == "Our support desk answers tickets" and stopped.finish_reason == "stop"
    assert script.requests[-1]["stop"] == [" within"]


def test_stream_pieces_join_and_cancel_stops_reading(url: str, script: Script) -> None:
    stream = remote(url).stream("SLA?")
    assert "".join(stream) == REPLY == stream.result.text

    script.replies[BASE] = " ".join(f"w{i}" for i in range(200))
    script.chunk_delay_s = 0.01
    script.chunks_sent = 0
    slow = remote(url).stream("long please")
    got = []
    for piece in slow:
        got.append(piece)
        if len(got) == 3:
            slow.cancel()
    assert slow.result.finish_reason == "cancelled"
    assert len(got) <= 4 and slow.result.text == "".join(got)
    time.sleep(0.3)
    assert script.chunks_sent < 100  # the server stopped when the client hung up


def test_async_stream_and_cancellation(url: str, script: Script) -> None:
    async def scenario() -> tuple[str, str]:
        whole = remote(url).astream("SLA?", GenerationParams(adapter="support-style"))
        async with whole:
            text = "".join([piece async for piece in whole])
        script.replies[BASE] = " ".join(f"w{i}" for i in range(200))
        script.chunk_delay_s = 0.01
        slow = remote(url).astream("long please")
        got: list[str] = []

        async def consume() -> None:
            async for piece in slow:
                got.append(piece)

        task = asyncio.create_task(consume())
        while len(got) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return text, slow.result.finish_reason

    text, finish = asyncio.run(scenario())
    assert text == STYLED and finish == "cancelled"


def test_429_is_retried_with_the_servers_delay(url: str, script: Script) -> None:
    script.failures = [429, 429]
    result = remote(url, max_retries=3).generate("SLA?")
    assert result.text == REPLY and len(script.requests) == 3


def test_5xx_is_retried_with_backoff_then_reported(url: str, script: Script) -> None:
    script.failures = [500, 503, 502]
    started = time.perf_counter()
    with pytest.raises(RemoteGenerationError) as info:
        remote(url, max_retries=2).generate("SLA?")
    elapsed = time.perf_counter() - started
    assert len(script.requests) == 3  # the first try and two retries
    assert elapsed > 0.5  # exponential backoff: ~0.5 s, then ~1 s (with jitter)
    assert "HTTP 502 after 2 retries" in info.value.message
    assert "RAGTUNE_MAX_RETRIES" in info.value.hint


def test_rate_limit_that_outlasts_the_retries(url: str, script: Script) -> None:
    script.failures = [429] * 5
    with pytest.raises(RemoteGenerationError, match="rate-limiting"):
        remote(url, max_retries=1).generate("SLA?")


def test_a_timeout_names_the_setting(url: str, script: Script) -> None:
    script.first_byte_delay_s = 2.0
    with pytest.raises(RemoteGenerationError) as info:
        remote(url, timeout_s=0.3, max_retries=0).generate("SLA?")
    assert "within 0.3 s" in info.value.message
    assert "RAGTUNE_REQUEST_TIMEOUT_S" in info.value.hint


def test_unknown_model_lists_the_served_ones(url: str) -> None:
    with pytest.raises(NotFoundError) as info:
        remote(url).generate("SLA?", GenerationParams(adapter="no-such-adapter"))
    assert "phi-3-mini-4k, support-style" in info.value.message
    assert "--enable-lora" in info.value.hint


def test_no_server_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RemoteGenerationError) as info:
        remote(f"http://127.0.0.1:{port}/v1", max_retries=0).generate("SLA?")
    assert "Could not connect" in info.value.message
    assert "RAGTUNE_OPENAI_BASE_URL" in info.value.hint


def test_a_prompt_too_long_for_the_server(url: str, script: Script) -> None:
    # vLLM's wording for a prompt over --max-model-len.
    script.failures = [400, 400]
    script.failure_message = (
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens"
    )
    with pytest.raises(ContextOverflowError, match="too long"):
        remote(url).generate("SLA?")
    script.failure_message = "temperature must be at most 2"
    with pytest.raises(InputError) as other:
        remote(url).generate("SLA?")
    assert not isinstance(other.value, ContextOverflowError)
    assert "temperature must be at most 2" in other.value.message


def test_the_api_key_is_sent_and_never_shown(
    url: str, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    script.api_key = KEY
    with caplog.at_level(logging.DEBUG):
        ok = remote(url, api_key=SecretStr(KEY)).generate("SLA?")
        with pytest.raises(ConfigError) as info:
            remote(url, api_key=SecretStr("sk-wrong")).generate("SLA?")
    assert ok.text == REPLY and script.authorization[0] == f"Bearer {KEY}"
    assert "RAGTUNE_OPENAI_API_KEY" in info.value.hint
    generator = remote(url, api_key=SecretStr(KEY))
    shown = repr(generator) + str(info.value) + caplog.text
    assert KEY not in shown


def test_no_key_configured_sends_a_placeholder_not_the_environment(
    url: str, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    remote(url).generate("SLA?")
    assert script.authorization[-1] == "Bearer not-needed"


def test_the_backend_is_chosen_by_configuration(url: str) -> None:
    settings = Settings(
        generator_backend="openai",
        openai_base_url=url,
        model=BASE,
        openai_api_key=SecretStr(KEY),
        max_new_tokens=4,
    )
    generator = create_generator(settings)
    assert isinstance(generator, OpenAIGenerator) and generator.backend == "openai"
    result = generator.generate("SLA?", params_from_settings(settings))
    assert result.completion_tokens == 4
    assert set(BACKENDS) == {"local", "openai"}
    with pytest.raises(ConfigError, match="RAGTUNE_GENERATOR_BACKEND"):
        create_generator(Settings(generator_backend="tgi"))
    with pytest.raises(ConfigError, match="RAGTUNE_OPENAI_BASE_URL"):
        create_generator(Settings(generator_backend="openai"))
