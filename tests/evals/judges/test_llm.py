"""The LLM judge through the Generator protocol: temperature 0, strict parsing, defined failure.

The generator here is scripted (no model runs in these fast tests); it has the model runtime's
``generate(messages, params)`` signature and records what it was asked. The last test runs
the judge on the real bundled SmolLM2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest

from evals.judges.llm import LlmJudge, build_messages, parse_verdict
from generation.generator import GenerationParams


@dataclass
class Reply:
    text: str


class ScriptedGenerator:
    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.requests: list[tuple[list[Mapping[str, str]], int, float]] = []

    def generate(
        self, messages: Sequence[Mapping[str, str]], params: GenerationParams | None = None
    ) -> Reply:
        assert params is not None
        self.requests.append((list(messages), params.max_new_tokens, params.temperature))
        return Reply(self.replies[len(self.requests) - 1])


def test_it_asks_at_temperature_zero_with_the_premise_and_claim() -> None:
    generator = ScriptedGenerator(['{"supported": true, "evidence": "per diem is $90"}'])
    judge = LlmJudge(generator)  # type: ignore[arg-type]
    judgement = judge.judge(["The per diem is $90."], "The per diem is $90 [1].")
    assert judgement.supported and judgement.score == 1.0
    assert judgement.evidence == "per diem is $90"
    messages, max_new_tokens, temperature = generator.requests[0]
    assert temperature == 0.0 and max_new_tokens > 0
    assert "[1] The per diem is $90." in messages[-1]["content"]
    assert messages[-1]["content"].endswith("Claim: The per diem is $90.")


@pytest.mark.parametrize(
    ("text", "supported", "score"),
    [
        ('{"supported": false, "evidence": ""}', False, 0.0),
        ('```json\n{"supported": true, "evidence": "x", "score": 0.8}\n```', True, 0.8),
    ],
)
def test_well_formed_replies(text: str, supported: bool, score: float) -> None:
    judgement = parse_verdict(text)
    assert (judgement.supported, judgement.score) == (supported, score)


@pytest.mark.parametrize(
    "text",
    [
        "Yes, it is supported.",
        '{"supported": "yes"}',
        "[true]",
        'Sure! {"supported": true}',
        '{"supported": true, "score": 3}',
        '{"supported": true, "evidence": 5}',
        "",
    ],
)
def test_anything_else_is_unsupported_with_score_zero(text: str) -> None:
    judgement = parse_verdict(text)
    assert not judgement.supported and judgement.score == 0.0
    assert judgement.evidence.startswith("judge output could not be parsed")


def test_messages_number_the_passages() -> None:
    messages = build_messages(["A.", "B."], "C.")
    assert messages[0]["role"] == "system" and "JSON" in messages[0]["content"]
    assert "[1] A.\n\n[2] B." in messages[1]["content"]


def test_fingerprint_is_stable_across_processes() -> None:
    assert (
        LlmJudge(ScriptedGenerator([]), model="m").fingerprint
        == LlmJudge(ScriptedGenerator([]), model="m").fingerprint
    )
    assert "m" in LlmJudge(ScriptedGenerator([]), model="m").fingerprint


@pytest.mark.slow
def test_the_real_runtime_generator_gives_a_defined_verdict() -> None:
    from generation.base_models import DEFAULT_MODEL, load_model
    from generation.local_backend import LocalGenerator
    from tests.support.model_cache import converted_state_dir

    base = load_model(DEFAULT_MODEL, state_dir=converted_state_dir(), precision="fp32")
    judge = LlmJudge(LocalGenerator(base), model=DEFAULT_MODEL)
    judgement = judge.judge(["The per diem is $90 per day."], "The per diem is $90.")
    # A 135M model rarely writes the strict JSON; either way the verdict is defined.
    assert isinstance(judgement.supported, bool) and 0.0 <= judgement.score <= 1.0
    assert judgement.evidence
