"""Fitting a prompt into the context window: oldest turns dropped with a warning, or refused."""

from __future__ import annotations

import logging

import pytest

from generation.context_window import ContextOverflowError, fit_context
from generation.generator import ChatMessage


def _words(messages: list[ChatMessage]) -> list[int]:
    """A stand-in tokenizer: one token per word plus two per message (its template)."""
    return [0] * sum(len(m.content.split()) + 2 for m in messages)


def _fit(messages: list[ChatMessage], overflow: str, window: int = 30) -> object:
    return fit_context(
        messages,
        window=window,
        max_new_tokens=10,
        render=_words,
        encode=lambda text: list(range(len(text.split()))),
        decode=lambda ids: " ".join("w" for _ in ids),
        overflow=overflow,  # type: ignore[arg-type]
    )


def test_truncation_drops_the_oldest_turns_first_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = [
        ChatMessage(role="system", content="be brief"),
        ChatMessage(role="user", content="one " * 8),
        ChatMessage(role="assistant", content="two " * 8),
        ChatMessage(role="user", content="the question"),
    ]
    with caplog.at_level(logging.WARNING, logger="generation.context_window"):
        fitted = _fit(chat, "truncate")
    assert fitted.dropped_messages == 1  # type: ignore[attr-defined]
    assert len(fitted.ids) <= 20 and fitted.truncated_tokens == 10  # type: ignore[attr-defined]
    assert "exceeds the 20-token budget" in caplog.text


def test_truncation_cuts_the_start_of_a_single_long_message() -> None:
    fitted = _fit([ChatMessage(role="user", content="word " * 100)], "truncate")
    assert len(fitted.ids) <= 20 and fitted.truncated_tokens > 80  # type: ignore[attr-defined]


def test_refusal_says_how_to_fix_it() -> None:
    with pytest.raises(ContextOverflowError) as info:
        _fit([ChatMessage(role="user", content="word " * 100)], "refuse")
    assert "102 tokens" in info.value.message and "RAGTUNE_CONTEXT_OVERFLOW" in info.value.hint
    with pytest.raises(ContextOverflowError, match="max_new_tokens"):
        _fit([ChatMessage(role="user", content="hi")], "refuse", window=20)
