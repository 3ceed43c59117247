"""The Generator protocol every backend implements, with the request it takes.

Chat messages go in, text comes out, with token counts and timings (``generation.result``). A
request names its adapter (``None``: the bare base). Streams (``generation.streaming``) are
iterators (or async iterators) of text pieces; leaving the loop early, or calling ``cancel()``
from any thread, stops generation. Stop strings are cut from the output, in streams too. A
prompt longer than the context window is truncated or refused (``generation.context_window``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from generation.result import GenerationResult
from generation.streaming import AsyncGenerationStream, GenerationStream
from ragtune.errors import InputError

__all__ = [
    "ChatMessage",
    "GenerationParams",
    "GenerationResult",
    "Generator",
    "Messages",
    "Overflow",
    "as_messages",
]

Overflow = Literal["truncate", "refuse"]


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
