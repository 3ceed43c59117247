"""Sentence splitting and ``[n]`` citation-marker parsing for answers and passages.

Answers cite passages ALCE-style: ``[1]``, ``[1][3]``, ``[1, 3]`` or ``[2-4]`` refer to the
1-based position of a passage in the context the model was given. A marker written after the
full stop (``... per day. [1]``) belongs to the sentence before it. Every metric and judge that
needs sentences uses these functions, so they all cut an answer the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexes.sentences import MARKER, split_sentences, strip_markers


@dataclass(frozen=True)
class CitedSentence:
    """An answer sentence: ``text`` without markers, the passages it cites, ``raw`` as written."""

    text: str
    citations: tuple[int, ...]
    raw: str


def parse_markers(text: str) -> tuple[int, ...]:
    """Passage numbers cited anywhere in ``text``, in order of first appearance, without repeats."""
    seen: dict[int, None] = {}
    for match in MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            bounds = re.split(r"\s*[-–]\s*", part)
            if len(bounds) == 2:
                low, high = int(bounds[0]), int(bounds[1])
                # A reversed or huge range is a typo, not a request for 10,000 passages.
                numbers: Sequence[int] = (
                    range(low, high + 1) if 0 <= high - low <= 50 else (low, high)
                )
            else:
                numbers = (int(bounds[0]),)
            for n in numbers:
                seen.setdefault(n, None)
    return tuple(seen)


def parse_citations(sentence: str) -> CitedSentence:
    """Split one sentence into its marker-free text and the passage numbers it cites."""
    raw = " ".join(sentence.split())
    return CitedSentence(text=strip_markers(raw), citations=parse_markers(raw), raw=raw)


def split_cited_sentences(answer: str) -> list[CitedSentence]:
    """The sentences of an answer with their citations parsed; marker-only pieces are dropped."""
    parsed = [parse_citations(s) for s in split_sentences(answer)]
    return [p for p in parsed if p.text.strip(" .")]
