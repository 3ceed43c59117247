"""Fitting a chat prompt into the model's context window: drop the oldest turns (logged and
counted) or refuse; never silently cut."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from generation.generator import ChatMessage, Overflow
from ragtune.errors import InputError

log = logging.getLogger(__name__)

# Below this many tokens for the prompt there is no useful request left to make.
MIN_PROMPT_BUDGET = 16


class ContextOverflowError(InputError):
    """The prompt does not fit the model's context window and the policy is to refuse."""


@dataclass
class FittedPrompt:
    """The prompt token ids that fit the window, and what was dropped to get there."""

    ids: list[int]
    truncated_tokens: int
    dropped_messages: int


def fit_context(
    messages: list[ChatMessage],
    *,
    window: int,
    max_new_tokens: int,
    render: Callable[[list[ChatMessage]], list[int]],
    encode: Callable[[str], list[int]],
    decode: Callable[[list[int]], str],
    overflow: Overflow,
) -> FittedPrompt:
    """Fit the rendered chat into ``window - max_new_tokens`` tokens.

    ``truncate`` keeps system messages and the newest message and drops the oldest turns
    first; if the newest message alone is still too long, its beginning is cut (the question
    usually sits at its end). Either way a warning is logged and the count is returned.
    ``refuse`` raises ContextOverflowError.
    """
    budget = window - max_new_tokens
    if budget < MIN_PROMPT_BUDGET:
        raise ContextOverflowError(
            f"max_new_tokens={max_new_tokens} leaves {budget} tokens of the {window}-token "
            "context window for the prompt",
            hint="lower max_new_tokens (--max-new-tokens, RAGTUNE_MAX_NEW_TOKENS)",
        )
    ids = render(messages)
    if len(ids) <= budget:
        return FittedPrompt(ids, 0, 0)
    if overflow == "refuse":
        raise ContextOverflowError(
            f"The prompt is {len(ids)} tokens; the {window}-token window leaves {budget} after "
            f"max_new_tokens={max_new_tokens}",
            hint="shorten the prompt, lower max_new_tokens, or set "
            "RAGTUNE_CONTEXT_OVERFLOW=truncate to drop the oldest part",
        )
    original = len(ids)
    kept = list(messages)
    dropped = 0
    while len(ids) > budget:
        removable = [i for i, m in enumerate(kept[:-1]) if m.role != "system"]
        if not removable:
            break
        del kept[removable[0]]
        dropped += 1
        ids = render(kept)
    if len(ids) > budget:
        last = kept[-1]
        overhead = len(render([*kept[:-1], last.model_copy(update={"content": ""})]))
        room = budget - overhead
        content_ids = encode(last.content)
        if room > 0:
            cut = last.model_copy(update={"content": decode(content_ids[-room:])})
            ids = render([*kept[:-1], cut])
        # Re-tokenising a cut can merge differently by a token or two; and system messages
        # alone may not fit. Last resort: keep the newest tokens, which hold the generation
        # prompt the model answers from.
        if len(ids) > budget:
            ids = ids[-budget:]
    truncated = original - len(ids)
    log.warning(
        "prompt of %d tokens exceeds the %d-token budget (window %d - max_new_tokens %d): "
        "dropped %d oldest message(s), %d tokens in all",
        original,
        budget,
        window,
        max_new_tokens,
        dropped,
        truncated,
    )
    return FittedPrompt(ids, truncated, dropped)
