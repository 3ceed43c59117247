"""Claims and premises cut into the pieces the offline judge aligns.

A claim sentence is cut into clauses, each judged on its own ("X, and Y": both must hold); the
premises are cut into units of one or more adjacent sentences, each with the sentences around
it; a premise sentence is cut into clauses again to read its polarity clause by clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from evals.citations import split_sentences, strip_markers
from evals.judges.facts import facts_of
from evals.judges.passages import Evidence, count_note, windows

# Clauses joined by these are judged separately ("X, and Y": both must hold). A bare "and"
# only splits before a verb phrase ("... 14 days and are then sent"), never inside a list.
_CLAUSE_BREAK = re.compile(
    r"\s*;\s+|,\s+(?=(?:and|but|while|whereas|who|which|then|so(?!\s+(?:that|long|as|far)\b))\s)"
    r"|\s+(?=and\s+(?:also\s+)?(?:must|may|will|can|could|should|shall|is|are|was|were|has|"
    r"have|had|then|it|they)\b)"
    r"|\s+(?=(?:if|unless)\s)"
)
# Premise sentences are also cut before "and" + verb, and at colons.
_EVIDENCE_BREAK = re.compile(
    r"\s*[;:]\s+|,\s+(?=(?:and|but|while|whereas|which|so)\s)"
    r"|\s+(?=(?:and|but)\s+(?:also\s+)?(?:must|may|will|can|could|should|shall|is|are|was|"
    r"were|has|have|had|does|do|did|not|never|then|it|they)\b)"
)
_ELLIPSIS = re.compile(
    r"\b(?:do|does|did|is|are|was|were|will|can|may|must|should|would|could|have|has)"
    r"(?:\s+not|n't)\s*[.!?]?\s*$|\bcannot\s*[.!?]?\s*$",
    re.IGNORECASE,
)
_ASIDE = re.compile(r"\s*\(([^()]*)\)")
_MIN_CLAUSE_WORDS = 2
_ASIDE_WORDS = 3  # a bracket this long is an aside; a shorter one ("(877)") stays in place
# Sentences on each side of a unit whose names count as its context.
_NEARBY = 3


@dataclass(frozen=True)
class Unit:
    """A run of adjacent premise sentences, and the sentences around it (``nearby``)."""

    sentences: tuple[str, ...]
    nearby: str

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def clauses(sentence: str) -> list[str]:
    """Split a claim at clause joints; fragments too short to judge stay with their neighbour."""
    parts = [p.strip(" ,;") for p in _CLAUSE_BREAK.split(sentence) if p.strip(" ,;")]
    merged: list[str] = []
    for part in parts:
        if merged and len(facts_of(part).content) < _MIN_CLAUSE_WORDS:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    if len(merged) > 1 and len(facts_of(merged[0]).content) < _MIN_CLAUSE_WORDS:
        merged[1] = f"{merged[0]} {merged[1]}"
        merged = merged[1:]
    return merged or [sentence]


def premise_units(premises: Sequence[str], window: int = 2) -> list[Unit]:
    """Every sentence of every passage, and every run of up to ``window`` adjacent sentences."""
    units: dict[Unit, None] = {}
    for passage in premises:
        sentences = [strip_markers(s) for s in split_sentences(passage)]
        for size in range(1, window + 1):
            for i in range(len(sentences) - size + 1):
                around = " ".join(sentences[max(0, i - _NEARBY) : i + size + _NEARBY])
                units.setdefault(Unit(tuple(sentences[i : i + size]), around), None)
    return list(units)


def list_units(premises: Sequence[str]) -> list[Unit]:
    """Every whole list of every passage with its lead-in, saying how many items it lists.

    "Employees can publish to three blogs" counts the list under "... these blogs:"; no run
    of two sentences holds a list of three, nor says its length. (The judge adds these only
    for a claim with a count the sentences do not state: each is one more text to embed.)
    """
    units: dict[Unit, None] = {}
    for passage in premises:
        for listing in windows(Evidence(passage), 1):
            if listing.listed:
                whole = (*listing.parts, count_note(listing.listed))
                units.setdefault(Unit(whole, " ".join(whole)), None)
    return list(units)


def _is_aside(bracket: re.Match[str]) -> bool:
    return len(bracket.group(1).split()) >= _ASIDE_WORDS


def evidence_clauses(sentence: str) -> list[str]:
    """A premise sentence cut at its clause joints (for reading polarity clause by clause).

    An elliptical clause ("...; hybrid employees do not") is completed with the clause before
    it, whose verb it negates. An aside in brackets of a few words ("the median was $50 to $70
    (this does not account for recruiting expenses)") is a clause of its own, after the rest:
    its negation is not the sentence's.
    """
    asides = [m.group(1) for m in _ASIDE.finditer(sentence) if _is_aside(m)]
    main = _ASIDE.sub(lambda m: "" if _is_aside(m) else m.group(0), sentence)
    parts = [c for c in _EVIDENCE_BREAK.split(main) if c.strip(" ,;:")] or [main]
    for i in range(1, len(parts)):
        if _ELLIPSIS.search(parts[i]):
            parts[i] = f"{parts[i]} {parts[i - 1]}"
    return parts + asides
