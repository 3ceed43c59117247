"""Generation on the real SmolLM2: chat template, determinism, stop strings, streaming and
cancellation, timings, and a prompt longer than the window handled on purpose."""

from __future__ import annotations

import asyncio
import logging

import pytest

from generation.context_window import ContextOverflowError
from generation.generator import GenerationParams, as_messages
from generation.local_backend import LocalGenerator, end_token_ids

QUESTION = "What is the capital of France?"
STORY = "Write a long story about a dragon who learns to bake bread."


def test_chat_template_and_end_tokens(smol: LocalGenerator) -> None:
    text = smol.prompt_text([{"role": "user", "content": "hi"}])
    assert text.endswith("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    vocab = smol.base.tokenizer.get_vocab()
    assert vocab["<|im_end|>"] in end_token_ids(smol.base.model, smol.base.tokenizer)


def test_greedy_is_deterministic_and_reports_counts(smol: LocalGenerator) -> None:
    params = GenerationParams(max_new_tokens=12)
    first = smol.generate(QUESTION, params)
    second = smol.generate(QUESTION, params)
    assert first.text == second.text and "Paris" in first.text
    assert first.prompt_tokens == len(smol.render(as_messages(QUESTION)))
    assert 0 < first.completion_tokens <= 12
    assert first.ttft_ms is not None and first.ttft_ms > 0
    assert first.tokens_per_s is not None and first.tokens_per_s > 0
    assert first.finish_reason == "stop"  # it ended its turn with <|im_end|>
    response = first.response().model_dump()
    assert response["model"] == "smollm2-135m" and response["adapter"] is None


def test_seeded_sampling_repeats_and_other_seeds_differ(smol: LocalGenerator) -> None:
    def sample(seed: int) -> str:
        params = GenerationParams(max_new_tokens=12, temperature=1.0, seed=seed)
        return smol.generate(STORY, params).text

    assert sample(1) == sample(1)
    assert len({sample(1), sample(2), sample(3)}) > 1


def test_stop_strings_end_generation_and_are_not_returned(smol: LocalGenerator) -> None:
    prompt = "Count from 1 to 20, one number per line."
    free = smol.generate(prompt, GenerationParams(max_new_tokens=24))
    assert "4" in free.text and "5" in free.text
    stopped = smol.generate(prompt, GenerationParams(max_new_tokens=24, stop=("5",)))
    assert "5" not in stopped.text and free.text.startswith(stopped.text)
    assert stopped.finish_reason == "stop"
    assert stopped.completion_tokens < free.completion_tokens


def test_stream_pieces_join_to_the_full_text(smol: LocalGenerator) -> None:
    params = GenerationParams(max_new_tokens=16)
    whole = smol.generate(STORY, params)
    stream = smol.stream(STORY, params)
    pieces = list(stream)
    assert len(pieces) > 3
    assert "".join(pieces) == whole.text == stream.result.text
    assert stream.result.completion_tokens == whole.completion_tokens == 16
    assert stream.result.finish_reason == "length"


def test_cancel_stops_generation_early(smol: LocalGenerator) -> None:
    stream = smol.stream(STORY, GenerationParams(max_new_tokens=200))
    seen = []
    for piece in stream:
        seen.append(piece)
        if len(seen) == 2:
            stream.cancel()
    result = stream.result
    assert result.finish_reason == "cancelled"
    # The model notices the flag at its next step: at most a couple of tokens after cancel.
    assert result.completion_tokens < 10


def test_leaving_the_loop_cancels(smol: LocalGenerator) -> None:
    stream = smol.stream(STORY, GenerationParams(max_new_tokens=200))
    for _ in stream:
        break
    assert stream.result.finish_reason == "cancelled"
    assert stream.result.completion_tokens < 10
    # The model is free again right away.
    assert smol.generate(QUESTION, GenerationParams(max_new_tokens=4)).completion_tokens == 4


def test_async_stream_and_task_cancellation(smol: LocalGenerator) -> None:
    async def scenario() -> tuple[str, str, int]:
        whole = smol.astream(QUESTION, GenerationParams(max_new_tokens=12))
        async with whole:
            text = "".join([piece async for piece in whole])

        long = smol.astream(STORY, GenerationParams(max_new_tokens=200))
        got: list[str] = []

        async def consume() -> None:
            async for piece in long:
                got.append(piece)

        task = asyncio.create_task(consume())
        while len(got) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return text, long.result.finish_reason, long.result.completion_tokens

    text, finish, tokens = asyncio.run(scenario())
    assert text == smol.generate(QUESTION, GenerationParams(max_new_tokens=12)).text
    assert finish == "cancelled" and tokens < 12


def test_a_prompt_longer_than_the_window(
    smol: LocalGenerator, caplog: pytest.LogCaptureFixture
) -> None:
    small = LocalGenerator(smol.base, max_context_tokens=128)
    history: list[dict[str, str]] = []
    for i in range(12):
        history.append({"role": "user", "content": f"Note {i}: the shipment code is K{i}7."})
        history.append({"role": "assistant", "content": "Noted."})
    history.append({"role": "user", "content": QUESTION})
    assert len(small.render(as_messages(history))) > 128

    with pytest.raises(ContextOverflowError):  # refused before anything is generated
        small.stream(history, GenerationParams(max_new_tokens=8, overflow="refuse"))

    with caplog.at_level(logging.WARNING, logger="generation.context_window"):
        result = small.generate(history, GenerationParams(max_new_tokens=8))
    assert "exceeds" in caplog.text
    assert result.truncated_tokens > 0
    assert result.prompt_tokens <= 120 and result.completion_tokens > 0
