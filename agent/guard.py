"""Input checks on a question, and the prompt-injection heuristic shared with the answer side.

The heuristic is a pattern list, not a model: it flags text that addresses the assistant's
instructions ("ignore previous instructions", "you are now", "reveal your system prompt").
On a question it routes to an abstention; on a retrieved sentence it keeps that sentence out
of extractive answers, so a planted instruction is never repeated to the user.
"""

from __future__ import annotations

import re
import unicodedata

from ragtune.errors import InputError

_INJECTION = re.compile(
    r"""
    \b(ignore|disregard|forget)\b[^.?!\n]{0,40}\b(instructions?|prompts?|guidelines|context)\b
    | \b(ignore|disregard|forget|override)\b[^.?!\n]{0,40}
        \b(previous|prior|above|earlier|all|your|system)\b[^.?!\n]{0,20}\brules\b
    | \boverride\b[^.?!\n]{0,20}\b(your|system|previous|prior|above|earlier)\b[^.?!\n]{0,20}
        \b(instructions?|prompts?|guidelines|context)\b
    | \b(rules|instructions)\s+you\s+(were|have\s+been|'ve\s+been)\s+given\b
    | \byou\s+are\s+now\b
    | \b(reveal|print|show|repeat|leak)\b[^.?!\n]{0,30}
        \b(system\s+prompt|hidden\s+instructions?|your\s+instructions)\b
    | \bsystem\s+prompt\b
    | \bact\s+as\s+(an?\s+)?(unrestricted|jailbroken|developer\s+mode)\b
    | \bdeveloper\s+mode\b
    | </?\s*(system|source|instructions?)\s*>
    """,
    re.IGNORECASE | re.VERBOSE,
)


def looks_like_injection(text: str) -> bool:
    """Whether ``text`` tries to address or override the assistant's instructions."""
    return _INJECTION.search(unicodedata.normalize("NFKC", text)) is not None


def check_question(question: str, max_chars: int) -> str:
    """The question, stripped; InputError when it is empty, too long or not text."""
    text = unicodedata.normalize("NFC", question).strip()
    if not text:
        raise InputError("The question is empty", hint="ask something")
    if len(text) > max_chars:
        raise InputError(
            f"The question is {len(text)} characters; the limit is {max_chars}",
            hint="shorten it, or raise RAGTUNE_AGENT_MAX_QUESTION_CHARS",
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in text):
        raise InputError("The question contains control characters", hint="send plain text")
    return text
