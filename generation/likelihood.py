"""How likely the model finds a question after each passage: a re-rank that reads meaning.

An embedding scores resemblance; a language model asked to continue a passage with "a question
this passage answers" gives the asked question a higher probability after the passage that
answers it (query likelihood, as in unsupervised passage re-ranking, Sachan et al. 2022). The
model is the one the runtime already loaded, so nothing is downloaded; a bigger base model
reads better, and on a GPU the cost is milliseconds.

The score is the mean log-probability of the question's tokens after the passage, so it
compares passages for one question, not questions with each other. Cost on a CPU grows with
the tokens read: five passages of 200 tokens take about 2-3 s on two cores with the bundled
135M model (bench/results/likelihood_rerank.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

# Passage tokens read: the head of a passage carries its heading and the sentences that say
# what it is about; the cost is linear in this.
MAX_PASSAGE_TOKENS = 200
PROMPT_HEAD = "Passage: "
PROMPT_TAIL = "\n\nA question this passage answers:"


@runtime_checkable
class LikelihoodScorer(Protocol):
    """A generator that can score questions after passages (the local backend; a remote
    chat server returns no prompt log-probabilities)."""

    def question_likelihoods(self, question: str, passages: Sequence[str]) -> list[float]:
        """Mean log-probability of ``question`` after each passage."""
        ...


def question_likelihoods(
    model: Any,
    tokenizer: Any,
    question: str,
    passages: Sequence[str],
    *,
    max_passage_tokens: int = MAX_PASSAGE_TOKENS,
) -> list[float]:
    """Mean log-probability of ``question`` after each of ``passages`` (higher: more likely).

    One batched forward pass of ``model`` (a causal LM), no sampling, deterministic. The
    caller picks the adapter state: ``LocalGenerator.question_likelihoods`` scores with the
    bare base, under the adapters' lock. An empty list of passages gives an empty list.
    """
    import torch

    if not passages:
        return []
    asked = _ids(tokenizer, " " + " ".join(question.split()))
    if not asked:
        return [0.0 for _ in passages]
    head, tail = _ids(tokenizer, PROMPT_HEAD), _ids(tokenizer, PROMPT_TAIL)
    prompts = [head + _ids(tokenizer, p)[:max_passage_tokens] + tail for p in passages]
    width = max(len(p) for p in prompts) + len(asked)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        sequence = prompt + asked
        ids[row, : len(sequence)] = torch.tensor(sequence)
        mask[row, : len(sequence)] = 1
    device = next(model.parameters()).device
    with torch.no_grad():
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
    logprobs = torch.log_softmax(logits.float(), dim=-1).cpu()
    target = torch.tensor(asked)
    scores = []
    for row, prompt in enumerate(prompts):
        # The logits at position i predict token i + 1.
        positions = torch.arange(len(prompt) - 1, len(prompt) + len(asked) - 1)
        scores.append(float(logprobs[row, positions, target].mean()))
    return scores


def _ids(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])
