"""The JSON contract of one generation."""

from __future__ import annotations

from generation.result import GenerateResponse


def test_the_json_contract_has_exactly_these_fields() -> None:
    assert list(GenerateResponse.model_fields) == [
        "text",
        "model",
        "adapter",
        "prompt_tokens",
        "completion_tokens",
        "ttft_ms",
        "tokens_per_s",
    ]
