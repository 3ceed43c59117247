"""What one generation returns: the result record, its JSON contract, timings and summary line."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

FinishReason = Literal["stop", "length", "cancelled"]


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
