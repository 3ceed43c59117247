"""Q&A pairs as chat-template training examples, with the loss on the answer tokens only.

Each pair becomes the base model's own chat format (system, earlier turns, the question, then
the answer as the assistant's turn). Prompt tokens get label -100, so the model learns to
answer, not to predict the questions; the end-of-turn token after the answer is learned too, so
the adapter knows when to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from training.data.records import QAPair

IGNORE = -100


@dataclass(frozen=True)
class Example:
    """One tokenised training example."""

    input_ids: list[int]
    labels: list[int]
    truncated: bool

    @property
    def answer_tokens(self) -> int:
        return sum(label != IGNORE for label in self.labels)


def prompt_messages(pair: QAPair) -> list[dict[str, str]]:
    """The chat turns before the answer: optional system, earlier turns, the question."""
    messages = [{"role": "system", "content": pair.system}] if pair.system else []
    messages += [{"role": role, "content": content} for role, content in pair.history]
    messages.append({"role": "user", "content": pair.question})
    return messages


def _ids(tokenizer: Any, messages: list[dict[str, str]], *, generation_prompt: bool) -> list[int]:
    encoded = tokenizer.apply_chat_template(
        messages, add_generation_prompt=generation_prompt, tokenize=True, return_dict=True
    )
    return list(encoded["input_ids"])


def format_pair(pair: QAPair, tokenizer: Any, max_tokens: int) -> Example:
    """Tokenise ``pair`` with the chat template; labels are -100 everywhere but the answer.

    Examples longer than ``max_tokens`` are cut at the end and flagged ``truncated`` (the data
    check keeps answers within budget, so this only happens with very long prompts).
    """
    prompt = _ids(tokenizer, prompt_messages(pair), generation_prompt=True)
    full = _ids(
        tokenizer,
        [*prompt_messages(pair), {"role": "assistant", "content": pair.answer}],
        generation_prompt=False,
    )
    if full[: len(prompt)] != prompt:
        # A template that renders the prompt differently once an answer follows: fall back to
        # prompt + answer text + end of sequence, which every causal LM understands.
        answer = tokenizer(pair.answer, add_special_tokens=False)["input_ids"]
        full = prompt + list(answer) + [tokenizer.eos_token_id]
    labels = [IGNORE] * len(prompt) + full[len(prompt) :]
    truncated = len(full) > max_tokens
    return Example(full[:max_tokens], labels[:max_tokens], truncated)


class PadCollator:
    """Right-pads a batch: pad token in inputs, -100 in labels, 0 in the attention mask."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, features: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in features)
        ids, labels, mask = [], [], []
        for f in features:
            pad = width - len(f["input_ids"])
            ids.append(f["input_ids"] + [self.pad_id] * pad)
            labels.append(f["labels"] + [IGNORE] * pad)
            mask.append([1] * len(f["input_ids"]) + [0] * pad)
        return {
            "input_ids": torch.tensor(ids),
            "labels": torch.tensor(labels),
            "attention_mask": torch.tensor(mask),
        }


def pad_id(tokenizer: Any) -> int:
    """The pad token id, falling back to eos for tokenizers without one."""
    value = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return int(value)
