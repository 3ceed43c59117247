"""The request side of the Generator protocol: params and messages are validated."""

from __future__ import annotations

import pytest

from generation.generator import ChatMessage, GenerationParams, as_messages
from ragtune.errors import InputError


def test_params_are_validated() -> None:
    with pytest.raises(InputError):
        GenerationParams(max_new_tokens=0)
    with pytest.raises(InputError):
        GenerationParams(temperature=-1)
    with pytest.raises(InputError):
        GenerationParams(top_p=0)
    with pytest.raises(InputError):
        GenerationParams(overflow="silently")  # type: ignore[arg-type]
    assert not GenerationParams().sampling and GenerationParams(temperature=0.7).sampling


def test_messages_accept_a_string_or_dicts() -> None:
    assert as_messages("hi") == [ChatMessage(role="user", content="hi")]
    assert as_messages([{"role": "system", "content": "x"}])[0].role == "system"
    with pytest.raises(ValueError):
        as_messages([{"role": "robot", "content": "x"}])
    with pytest.raises(InputError):
        as_messages([])
