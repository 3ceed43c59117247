"""Answer token-F1: how close greedy answers are to the curated ones, for base vs adapter.

SQuAD-style F1 over lower-cased word tokens (punctuation and articles dropped). It rewards
domain vocabulary and phrasing, which is what an adapter is for; it is not a factuality score.
"""

from __future__ import annotations

import sys
import time
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


def compare_answer_f1(
    model: Any,
    tokenizer: Any,
    validation: Sequence[QAPair],
    *,
    items: int,
    max_new_tokens: int,
    batch_size: int,
    progress: bool = False,
) -> dict[str, Any] | None:
    """Greedy answers of base and adapter on the first ``items`` validation pairs (None for 0).

    ``model`` is a peft model: the base is scored with its adapter disabled."""
    if items == 0:
        return None
    scored = validation[:items]
    if progress:
        print(f"scoring answer F1 on {len(scored)} validation items...", file=sys.stderr)
    model.eval()
    started = time.perf_counter()
    kw = {"max_new_tokens": max_new_tokens, "batch_size": batch_size}
    adapter = greedy_answers(model, tokenizer, scored, **kw)
    with model.disable_adapter():
        base = greedy_answers(model, tokenizer, scored, **kw)
    return {
        "base": round(mean_f1(base, scored), 4),
        "adapter": round(mean_f1(adapter, scored), 4),
        "items": len(scored),
        "of": len(validation),
        "capped": len(scored) < len(validation),
        "max_new_tokens": max_new_tokens,
        "decoding": "greedy",
        "seconds": round(time.perf_counter() - started, 2),
        "examples": [
            {"id": p.id, "base": b, "adapter": a}
            for p, b, a in list(zip(scored, base, adapter, strict=True))[:3]
        ],
    }
