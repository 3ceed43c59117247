"""The Generator protocol every backend implements, and the parts they share.

Chat messages go in, text comes out, with token counts and timings. A request names its
adapter (``None``: the bare base). Streams are iterators (or async iterators) of text pieces;
leaving the loop early, or calling ``cancel()`` from any thread, stops generation. Stop
strings are cut from the output, in streams too (held back until they cannot be the start of
a stop string). A prompt longer than the context window is either truncated, dropping the
oldest part with a logged warning and a count in the result, or refused; never silently cut.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from ragtune.errors import InputError

log = logging.getLogger(__name__)

Overflow = Literal["truncate", "refuse"]
FinishReason = Literal["stop", "length", "cancelled"]
# Below this many tokens for the prompt there is no useful request left to make.
MIN_PROMPT_BUDGET = 16


class ContextOverflowError(InputError):
    """The prompt does not fit the model's context window and the policy is to refuse."""


class ChatMessage(BaseModel):
    """One chat turn, as users and the HTTP API send it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


Messages = str | Sequence[ChatMessage | Mapping[str, str]]


def as_messages(messages: Messages) -> list[ChatMessage]:
    """A prompt string becomes one user message; mappings are validated into ChatMessages."""
    if isinstance(messages, str):
        return [ChatMessage(role="user", content=messages)]
    out = [m if isinstance(m, ChatMessage) else ChatMessage.model_validate(m) for m in messages]
    if not out:
        raise InputError("No messages to answer", "send at least one user message")
    return out


@dataclass(frozen=True)
class GenerationParams:
    """Per-request knobs. ``temperature == 0`` is greedy decoding: the same output every time."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    adapter: str | None = None
    overflow: Overflow = "truncate"

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise InputError("max_new_tokens must be at least 1", "raise --max-new-tokens")
        if not 0 <= self.temperature <= 2:
            raise InputError("temperature must be between 0 and 2", "0 means greedy")
        if not 0 < self.top_p <= 1:
            raise InputError("top_p must be in (0, 1]", "1 disables nucleus sampling")
        if self.overflow not in ("truncate", "refuse"):
            raise InputError(f"Unknown overflow policy {self.overflow!r}", "truncate or refuse")

    @property
    def sampling(self) -> bool:
        return self.temperature > 0


class GenerateResponse(BaseModel):
    """The JSON contract of one generation (``ragtune generate --json`` and the HTTP API)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    model: str
    adapter: str | None
    prompt_tokens: int
    completion_tokens: int
    ttft_ms: float | None
    tokens_per_s: float | None


@dataclass
class GenerationResult:
    """A finished (or cancelled) generation. ``truncated_tokens``: prompt tokens dropped to fit
    the window. Timings: ``ttft_ms`` from request start to the first token; ``tokens_per_s``
    is completion tokens over the whole request's seconds."""

    text: str
    model: str
    adapter: str | None
    prompt_tokens: int
    completion_tokens: int
    ttft_ms: float | None
    tokens_per_s: float | None
    finish_reason: FinishReason
    truncated_tokens: int = 0
    total_ms: float = 0.0

    def response(self) -> GenerateResponse:
        return GenerateResponse(
            text=self.text,
            model=self.model,
            adapter=self.adapter,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            ttft_ms=None if self.ttft_ms is None else round(self.ttft_ms, 1),
            tokens_per_s=None if self.tokens_per_s is None else round(self.tokens_per_s, 2),
        )


class Timer:
    """Request timings shared by the backends, so their numbers mean the same thing."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: float | None = None
        self.ended: float | None = None

    def first_token(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def end(self) -> None:
        self.ended = time.perf_counter()

    def figures(self, completion_tokens: int) -> tuple[float | None, float | None, float]:
        """(ttft_ms, tokens_per_s, total_ms)."""
        ended = self.ended if self.ended is not None else time.perf_counter()
        total = ended - self.started
        ttft = None if self.first is None else (self.first - self.started) * 1000
        rate = completion_tokens / total if completion_tokens and total > 0 else None
        return ttft, rate, total * 1000


class StopTrimmer:
    """Cuts text at the first stop string, across piece boundaries.

    ``feed`` returns what is safe to emit now: it holds back only a tail that could still
    grow into a stop string. After a hit, everything else is dropped.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self.buffer = ""
        self.hit = False

    def _held(self, text: str) -> int:
        longest = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(text)), longest, -1):
                if text.endswith(stop[:n]):
                    longest = n
                    break
        return longest

    def feed(self, piece: str) -> str:
        if self.hit:
            return ""
        if not self.stops:
            return piece
        self.buffer += piece
        cuts = [i for i in (self.buffer.find(s) for s in self.stops) if i >= 0]
        if cuts:
            out, self.buffer, self.hit = self.buffer[: min(cuts)], "", True
            return out
        keep = self._held(self.buffer)
        out = self.buffer[: len(self.buffer) - keep]
        self.buffer = self.buffer[len(self.buffer) - keep :]
        return out

    def flush(self) -> str:
        out, self.buffer = ("" if self.hit else self.buffer), ""
        return out


class StreamControl:
    """Shared by a stream and the backend producing it: the cancel flag and the final result."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self.result: GenerationResult | None = None

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class GenerationStream:
    """Text pieces as they are generated; iterate once. ``result`` is there once the loop ends
    (normally, by ``break``, or after ``cancel()``). ``cancel()`` is safe from any thread."""

    def __init__(self, produce: Callable[[StreamControl], Iterator[str]]) -> None:
        self.control = StreamControl()
        self._produce = produce

    def __iter__(self) -> Iterator[str]:
        pieces = self._produce(self.control)
        try:
            yield from pieces
        finally:
            # Leaving the loop early must stop the model, not let it run to max_new_tokens.
            self.control.cancel()
            close = getattr(pieces, "close", None)
            if close is not None:
                close()

    def cancel(self) -> None:
        self.control.cancel()

    @property
    def result(self) -> GenerationResult:
        if self.control.result is None:
            raise RuntimeError("the stream has not finished: iterate it first")
        return self.control.result


class AsyncGenerationStream:
    """The async twin of GenerationStream. Cancelling the consuming task, ``aclose()``, or
    leaving ``async with`` stops generation (``break`` alone leaves closing to the garbage
    collector, so prefer ``async with``)."""

    def __init__(self, produce: Callable[[StreamControl], AsyncIterator[str]]) -> None:
        self.control = StreamControl()
        self._produce = produce
        self._iterator: AsyncGenerator[str, None] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        if self._iterator is None:
            self._iterator = self._run()
        return self._iterator

    async def _run(self) -> AsyncGenerator[str, None]:
        pieces = self._produce(self.control)
        try:
            async for piece in pieces:
                yield piece
        finally:
            self.control.cancel()
            aclose = getattr(pieces, "aclose", None)
            if aclose is not None:
                await aclose()

    async def aclose(self) -> None:
        self.control.cancel()
        if self._iterator is not None:
            await self._iterator.aclose()

    def cancel(self) -> None:
        self.control.cancel()

    async def __aenter__(self) -> AsyncGenerationStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def result(self) -> GenerationResult:
        if self.control.result is None:
            raise RuntimeError("the stream has not finished: iterate it first")
        return self.control.result


class Generator(Protocol):
    """Chat in, text out. ``name`` is the base model's configured name."""

    name: str
    backend: str

    def generate(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> GenerationResult:
        """Generate a whole reply."""
        ...

    def stream(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> GenerationStream:
        """Generate a reply piece by piece. Bad input and refusals raise here, not mid-stream."""
        ...

    def astream(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> AsyncGenerationStream:
        """``stream`` for asyncio callers (the HTTP service)."""
        ...

    def close(self) -> None:
        """Release connections or memory held for this generator."""
        ...


def collect(stream: GenerationStream) -> GenerationResult:
    """Run a stream to its end and return its result (how ``generate`` is built on ``stream``)."""
    for _ in stream:
        pass
    return stream.result


@dataclass
class FittedPrompt:
    """The prompt token ids that fit the window, and what was dropped to get there."""

    ids: list[int]
    truncated_tokens: int
    dropped_messages: int


def fit_context(
    messages: list[ChatMessage],
    *,
    window: int,
    max_new_tokens: int,
    render: Callable[[list[ChatMessage]], list[int]],
    encode: Callable[[str], list[int]],
    decode: Callable[[list[int]], str],
    overflow: Overflow,
) -> FittedPrompt:
    """Fit the rendered chat into ``window - max_new_tokens`` tokens.

    ``truncate`` keeps system messages and the newest message and drops the oldest turns
    first; if the newest message alone is still too long, its beginning is cut (the question
    usually sits at its end). Either way a warning is logged and the count is returned.
    ``refuse`` raises ContextOverflowError.
    """
    budget = window - max_new_tokens
    if budget < MIN_PROMPT_BUDGET:
        raise ContextOverflowError(
            f"max_new_tokens={max_new_tokens} leaves {budget} tokens of the {window}-token "
            "context window for the prompt",
            hint="lower max_new_tokens (--max-new-tokens, RAGTUNE_MAX_NEW_TOKENS)",
        )
    ids = render(messages)
    if len(ids) <= budget:
        return FittedPrompt(ids, 0, 0)
    if overflow == "refuse":
        raise ContextOverflowError(
            f"The prompt is {len(ids)} tokens; the {window}-token window leaves {budget} after "
            f"max_new_tokens={max_new_tokens}",
            hint="shorten the prompt, lower max_new_tokens, or set "
            "RAGTUNE_CONTEXT_OVERFLOW=truncate to drop the oldest part",
        )
    original = len(ids)
    kept = list(messages)
    dropped = 0
    while len(ids) > budget:
        removable = [i for i, m in enumerate(kept[:-1]) if m.role != "system"]
        if not removable:
            break
        del kept[removable[0]]
        dropped += 1
        ids = render(kept)
    if len(ids) > budget:
        last = kept[-1]
        overhead = len(render([*kept[:-1], last.model_copy(update={"content": ""})]))
        room = budget - overhead
        content_ids = encode(last.content)
        if room > 0:
            cut = last.model_copy(update={"content": decode(content_ids[-room:])})
            ids = render([*kept[:-1], cut])
        # Re-tokenising a cut can merge differently by a token or two; and system messages
        # alone may not fit. Last resort: keep the newest tokens, which hold the generation
        # prompt the model answers from.
        if len(ids) > budget:
            ids = ids[-budget:]
    truncated = original - len(ids)
    log.warning(
        "prompt of %d tokens exceeds the %d-token budget (window %d - max_new_tokens %d): "
        "dropped %d oldest message(s), %d tokens in all",
        original,
        budget,
        window,
        max_new_tokens,
        dropped,
        truncated,
    )
    return FittedPrompt(ids, truncated, dropped)


def describe(result: GenerationResult) -> str:
    """One summary line for humans (the CLI prints it to stderr)."""
    parts = [
        f"model {result.model}",
        f"adapter {result.adapter or '-'}",
        f"{result.prompt_tokens} prompt + {result.completion_tokens} completion tokens",
    ]
    if result.ttft_ms is not None:
        parts.append(f"first token {result.ttft_ms:.0f} ms")
    if result.tokens_per_s is not None:
        parts.append(f"{result.tokens_per_s:.1f} tokens/s")
    if result.truncated_tokens:
        parts.append(f"prompt truncated by {result.truncated_tokens} tokens")
    if result.finish_reason != "stop":
        parts.append(f"finished: {result.finish_reason}")
    return ", ".join(parts)


def jsonable(result: GenerationResult) -> dict[str, Any]:
    return result.response().model_dump()
