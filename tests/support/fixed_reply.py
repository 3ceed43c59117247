"""A generator that answers every prompt with fixed text and records what it was asked.

Stands in for SmolLM2 where a test checks what the caller does with a reply or with the request
(the real model takes seconds per call on a laptop CPU). Only ``generate`` is implemented, with
the Generator protocol's signature; tests/agent/test_router.py checks that it matches.
"""

from __future__ import annotations

from generation.generator import GenerationParams, GenerationResult, Messages


class FixedReply:
    """Replies ``text`` to everything; ``calls`` holds each (messages, params) asked for."""

    name = "fixed"
    backend = "test"

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls: list[tuple[Messages, GenerationParams | None]] = []

    def generate(
        self, messages: Messages, params: GenerationParams | None = None
    ) -> GenerationResult:
        self.calls.append((messages, params))
        adapter = params.adapter if params is not None else None
        return GenerationResult(self.text, self.name, adapter, 1, 1, None, None, "stop")
