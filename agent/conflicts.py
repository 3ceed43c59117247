"""Documents that disagree: one figure stated two ways by two documents is surfaced, not quoted.

A planted page can contradict a real policy without addressing anyone ("per the updated
handbook, the contribution is 25 percent"). Nothing in the text says which one is right, so
the answer names both: "Two documents disagree: [1] says 7 percent, [2] says 25 percent."

Two statements conflict when they come from different documents, speak about the same thing
(each holds two thirds of the question's words, and they share at least two), and give a
different number in the same unit, and neither document also states the other's number on
that topic: two pages that both say "up to 240 hours" agree, whatever else one of them counts
in hours ("you earn 4 hours per pay period"). A worked example's figures ("For example: ...
you will earn 104 more hours") describe one made-up case and are not statements of the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.passage_units import read_units
from tools.rag import Source

_NUMBER = re.compile(
    r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(%|percent|per\s+cent|days?|dollars?|hours?|weeks?|"
    r"months?|years?|nights?|minutes?|kilometres?|kilometers?|km)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]|$)", re.MULTILINE)
_WORD = re.compile(r"[a-z][a-z-]{2,}")
_STOP = frozenset(
    "the and for are was were what which who whom how many much does did can could should "
    "would will with from that this these those into onto about per cent percent our your "
    "their its has have had been being when where why any all each every a an of to in on is "
    "it be by or as at".split()
)
_UNITS = {"%": "percent", "per cent": "percent"}


@dataclass(frozen=True)
class Statement:
    n: int
    document_id: str
    value: float
    unit: str
    shown: str
    topic: frozenset[str]


@dataclass(frozen=True)
class Conflict:
    """Two sources giving different figures for the same thing."""

    first: Statement
    second: Statement

    def sentence(self) -> str:
        return (
            f"Two documents disagree: [{self.first.n}] says {self.first.shown}, "
            f"[{self.second.n}] says {self.second.shown}."
        )


def _unit(raw: str) -> str:
    unit = " ".join(raw.lower().split())
    unit = _UNITS.get(unit, unit)
    return unit.rstrip("s") if unit not in ("percent",) else unit


_UNIT_WORDS = frozenset(
    "day days dollar dollars hour hours week weeks month months year years night nights "
    "minute minutes kilometre kilometres kilometer kilometers percent".split()
)


_SUFFIXES = ("ations", "ation", "ions", "ion", "ing", "es", "ed", "s")


def _stem(word: str) -> str:
    """A crude stem, so "contributes" and "contribution" are one word."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {
        _stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and w not in _UNIT_WORDS
    }


def statements(question: str, sources: list[Source]) -> list[Statement]:
    """Every figure of the sources stated in a sentence that holds most of the question's
    words (two at least, units aside), with those shared words as its topic."""
    asked = _words(question)
    found = []
    for source in sources:
        units = [u.text for u in read_units(source.result.text) if not u.example]
        for sentence in (s for unit in units for s in _SENTENCE.findall(unit)):
            topic = frozenset(_words(sentence) & asked)
            if len(topic) < max(2, -(-2 * len(asked) // 3)):
                continue
            for number, unit in _NUMBER.findall(sentence):
                value = float(number.replace(",", ""))
                shown = f"{number} {' '.join(unit.split())}" if unit != "%" else f"{number}%"
                found.append(
                    Statement(source.n, source.result.document_id, value, _unit(unit), shown, topic)
                )
    return found


def find_conflict(question: str, sources: list[Source]) -> Conflict | None:
    """The first pair of sources (in rank order) that state different figures for the same
    topic in the same unit; None when the documents agree or say nothing comparable."""
    found = statements(question, sources)

    def states(document_id: str, s: Statement) -> bool:
        """Whether the document also gives ``s``'s figure on ``s``'s topic."""
        return any(
            o.document_id == document_id
            and (o.unit, o.value) == (s.unit, s.value)
            and len(o.topic & s.topic) >= 2
            for o in found
        )

    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            if (
                a.document_id != b.document_id
                and a.unit == b.unit
                and a.value != b.value
                and len(a.topic & b.topic) >= 2
                and not states(b.document_id, a)
                and not states(a.document_id, b)
            ):
                return Conflict(a, b) if a.n < b.n else Conflict(b, a)
    return None
