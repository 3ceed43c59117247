"""Answer token-F1: how close greedy answers are to the curated ones, for base vs adapter.

SQuAD-style F1 over lower-cased word tokens (punctuation and articles dropped). It rewards
domain vocabulary and phrasing, which is what an adapter is for; it is not a factuality score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals.metrics import token_f1
from training.data.records import QAPair
from training.formatting import pad_id, prompt_messages


def greedy_answers(
    model: Any, tokenizer: Any, pairs: Sequence[QAPair], *, max_new_tokens: int, batch_size: int = 8
) -> list[str]:
    """Greedy replies of ``model`` to each pair's prompt, batched with left padding."""
    import torch

    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    answers: list[str] = []
    try:
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            texts = [
                tokenizer.apply_chat_template(
                    prompt_messages(p), add_generation_prompt=True, tokenize=False
                )
                for p in chunk
            ]
            batch = tokenizer(
                texts, return_tensors="pt", padding=True, add_special_tokens=False
            ).to(model.device)
            with torch.no_grad():
                out = model.generate(
                    **batch,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    use_cache=True,
                    pad_token_id=pad_id(tokenizer),
                )
            new = out[:, batch["input_ids"].shape[1] :]
            answers += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
    finally:
        tokenizer.padding_side = side
    return answers


def mean_f1(answers: Sequence[str], pairs: Sequence[QAPair]) -> float:
    """Mean token-F1 of ``answers`` against the pairs' reference answers."""
    if not pairs:
        return 0.0
    return sum(token_f1(a, p.answer) for a, p in zip(answers, pairs, strict=True)) / len(pairs)
