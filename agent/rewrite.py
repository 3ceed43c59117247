"""Turn a follow-up into a standalone question using the thread's earlier questions.

Deterministic: a question that leans on the conversation (starts with "and", "what about",
"also"; or is short and refers back with "it", "that", "they"...) is prefixed with the previous
standalone question, which carries the subject for retrieval and routing. A question that
stands on its own is left untouched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LEADS = re.compile(r"^\s*(and|but|also|what about|how about|and what about|same for|then)\b", re.I)
_REFERS_BACK = re.compile(r"\b(it|its|that|this|those|these|they|them|their|there|one)\b", re.I)
SHORT_WORDS = 8


def is_follow_up(question: str) -> bool:
    """Whether ``question`` depends on the conversation to be understood."""
    if _LEADS.match(question):
        return True
    return len(question.split()) <= SHORT_WORDS and _REFERS_BACK.search(question) is not None


def standalone(question: str, earlier: Sequence[str]) -> str:
    """``question`` made standalone with the latest of ``earlier`` standalone questions."""
    if not earlier or not is_follow_up(question):
        return question
    previous = earlier[-1].rstrip()
    if previous[-1:] not in ".?!":
        previous += "?"
    return f"{previous} {question}"
