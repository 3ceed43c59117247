"""The Generator protocol over any OpenAI-compatible server (vLLM, Ollama, llama.cpp server).

The request's adapter becomes the request's model name: vLLM started with ``--enable-lora
--lora-modules support-style=/adapters/support-style`` serves that adapter as the model
``support-style``. Every request streams, so time to first token is measured the same way as
locally; token counts come from the server's usage report (``stream_options.include_usage``).

Retries with exponential backoff and jitter on 408/409/429/5xx and connection errors are the
openai SDK's own (``max_retries``), which also honours the server's ``Retry-After``. What is
left after the retries becomes a ragtune error that says what to change. The API key is a
SecretStr: it is handed to the SDK and appears in no repr, message or log line of ours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from pydantic import SecretStr

from generation.context_window import ContextOverflowError
from generation.generator import GenerationParams, Messages, as_messages
from generation.result import GenerationResult, Timer
from generation.streaming import (
    AsyncGenerationStream,
    GenerationStream,
    StopTrimmer,
    StreamControl,
    collect,
)
from ragtune.errors import ConfigError, InputError, NotFoundError, RagtuneError

log = logging.getLogger(__name__)
# Servers without authentication (vLLM's default) still need the SDK to send some key; an
# explicit placeholder also stops the SDK from picking up OPENAI_API_KEY from the environment.
NO_KEY = "not-needed"


class RemoteGenerationError(RagtuneError):
    """The generation server failed or could not be reached, after retries."""

    exit_code = 8
    http_status = 502


class _Reply:
    """Accumulates one streamed reply: text pieces (stop strings cut), usage, finish reason."""

    def __init__(self, params: GenerationParams) -> None:
        self.timer = Timer()
        self.trimmer = StopTrimmer(params.stop)
        self.parts: list[str] = []
        self.chunks = 0
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.finish: str | None = None

    def take(self, chunk: Any) -> str:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.prompt_tokens = usage.prompt_tokens
            self.completion_tokens = usage.completion_tokens
        text = ""
        for choice in chunk.choices or []:
            if choice.finish_reason:
                self.finish = choice.finish_reason
            content = choice.delta.content if choice.delta else None
            if content:
                self.timer.first_token()
                self.chunks += 1
                text += content
        piece = self.trimmer.feed(text)
        if piece:
            self.parts.append(piece)
        return piece

    def step(self, chunk: Any, control: StreamControl) -> tuple[str, bool]:
        """The text ``chunk`` adds, and whether to read on: not once the stream is cancelled
        (then the chunk is not taken) or a stop string has been seen."""
        if control.cancelled:
            return "", False
        piece = self.take(chunk)
        return piece, not self.trimmer.hit

    def close(self) -> str:
        piece = self.trimmer.flush()
        if piece:
            self.parts.append(piece)
        self.timer.end()
        return piece

    def settle(self, control: StreamControl, model: str, adapter: str | None) -> None:
        """End the timing and hand the stream its result (whether it ended, broke or failed)."""
        self.timer.end()
        control.result = self.result(model, adapter, control.cancelled)

    def result(self, model: str, adapter: str | None, cancelled: bool) -> GenerationResult:
        if self.completion_tokens is None:
            log.debug("server sent no usage; counting content chunks as tokens")
        completion = self.completion_tokens if self.completion_tokens is not None else self.chunks
        ttft, rate, total = self.timer.figures(completion)
        if self.trimmer.hit or self.finish == "stop":
            finish = "stop"
        elif cancelled:
            finish = "cancelled"
        else:
            finish = "length" if self.finish == "length" else "stop"
        return GenerationResult(
            text="".join(self.parts),
            model=model,
            adapter=adapter,
            prompt_tokens=self.prompt_tokens or 0,
            completion_tokens=completion,
            ttft_ms=ttft,
            tokens_per_s=rate,
            finish_reason=finish,  # type: ignore[arg-type]
            total_ms=total,
        )


class OpenAIGenerator:
    """Generator over an OpenAI-compatible chat completions endpoint."""

    backend = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: SecretStr | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        from openai import AsyncOpenAI, OpenAI

        if not base_url:
            raise ConfigError(
                "The openai generator backend needs a server URL",
                hint="set RAGTUNE_OPENAI_BASE_URL, e.g. http://localhost:8000/v1",
            )
        self.name = model
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        options: dict[str, Any] = {
            "base_url": base_url,
            "api_key": api_key.get_secret_value() if api_key else NO_KEY,
            "timeout": timeout_s,
            "max_retries": max_retries,
            "organization": None,
            "project": None,
        }
        self._client = OpenAI(**options)
        self._aclient = AsyncOpenAI(**options)

    def __repr__(self) -> str:
        return f"OpenAIGenerator(base_url={self.base_url!r}, model={self.name!r})"

    def _request(self, messages: Messages, params: GenerationParams) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": params.adapter or self.name,
            "messages": [m.model_dump() for m in as_messages(messages)],
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if params.seed is not None:
            request["seed"] = params.seed
        if params.stop:
            request["stop"] = list(params.stop)
        return request

    def _available_models(self) -> list[str]:
        import openai

        try:
            return sorted(m.id for m in self._client.models.list())
        except openai.OpenAIError:
            return []

    def _translate(self, exc: Exception, model: str) -> RagtuneError:
        """The SDK's exception, after its retries, as a ragtune error with a hint."""
        import openai

        where = f"the generation server at {self.base_url}"
        if isinstance(exc, openai.APITimeoutError):
            return RemoteGenerationError(
                f"{where} did not answer within {self.timeout_s:g} s ({self.max_retries} retries)",
                hint="raise RAGTUNE_REQUEST_TIMEOUT_S, or check the server's load",
            )
        if isinstance(exc, openai.APIConnectionError):
            return RemoteGenerationError(
                f"Could not connect to {where} ({self.max_retries} retries)",
                hint="check RAGTUNE_OPENAI_BASE_URL and that the server is running",
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ConfigError(
                f"{where} refused the API key (HTTP {exc.status_code})",
                hint="set RAGTUNE_OPENAI_API_KEY to a key the server accepts",
            )
        if isinstance(exc, openai.NotFoundError):
            served = self._available_models()
            return NotFoundError(
                f"{where} serves no model named {model!r}"
                + (f" (it serves: {', '.join(served)})" if served else ""),
                hint="set RAGTUNE_MODEL (--model) to a served name; for an adapter start vLLM "
                f"with --enable-lora --lora-modules {model}=<adapter dir>",
            )
        if isinstance(exc, openai.RateLimitError):
            return RemoteGenerationError(
                f"{where} is rate-limiting requests (HTTP 429 after {self.max_retries} retries)",
                hint="raise RAGTUNE_MAX_RETRIES or send fewer requests at once",
            )
        if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
            message = str(getattr(exc, "message", exc))
            if "context" in message.lower() or "too long" in message.lower():
                return ContextOverflowError(
                    f"{where} refused the prompt as too long: {message}",
                    hint="shorten the prompt or lower max_new_tokens",
                )
            return InputError(f"{where} rejected the request: {message}", "check the parameters")
        if isinstance(exc, openai.APIStatusError):
            return RemoteGenerationError(
                f"{where} failed with HTTP {exc.status_code} after {self.max_retries} retries: "
                f"{getattr(exc, 'message', exc)}",
                hint="check the server's logs; RAGTUNE_MAX_RETRIES sets how often to retry",
            )
        return RemoteGenerationError(f"{where} failed: {exc}", hint="check the server's logs")

    def stream(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> GenerationStream:
        """Send the request now (so errors raise here), then stream the reply."""
        import openai

        params = params or GenerationParams()
        request = self._request(messages, params)
        reply = _Reply(params)
        try:
            response = self._client.chat.completions.create(**request)
        except openai.OpenAIError as exc:
            raise self._translate(exc, request["model"]) from exc

        def produce(control: StreamControl) -> Iterator[str]:
            try:
                for chunk in response:
                    piece, more = reply.step(chunk, control)
                    if piece:
                        yield piece
                    if not more:
                        break
                if tail := reply.close():
                    yield tail
            except openai.OpenAIError as exc:
                raise self._translate(exc, request["model"]) from exc
            except GeneratorExit:  # the consumer left the loop: that is a cancellation
                control.cancel()
                raise
            finally:
                response.close()
                reply.settle(control, self.name, params.adapter)

        return GenerationStream(produce)

    def astream(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> AsyncGenerationStream:
        """Streams over the async client; errors raise on first iteration."""
        import openai

        params = params or GenerationParams()
        request = self._request(messages, params)

        async def produce(control: StreamControl) -> AsyncIterator[str]:
            reply = _Reply(params)
            response = None
            try:
                response = await self._aclient.chat.completions.create(**request)
                async for chunk in response:
                    piece, more = reply.step(chunk, control)
                    if piece:
                        yield piece
                    if not more:
                        break
                if tail := reply.close():
                    yield tail
            except openai.OpenAIError as exc:
                raise self._translate(exc, request["model"]) from exc
            except (GeneratorExit, asyncio.CancelledError):  # left the loop, or task cancelled
                control.cancel()
                raise
            finally:
                if response is not None:
                    await response.close()
                reply.settle(control, self.name, params.adapter)

        return AsyncGenerationStream(produce)

    def generate(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> GenerationResult:
        return collect(self.stream(messages, params))

    def close(self) -> None:
        self._client.close()
