"""Claim against evidence: the facts of a claim that the evidence does not back."""

from __future__ import annotations

from evals.judges.facts.dates import DateRef
from evals.judges.facts.extract import Facts
from evals.judges.facts.polarity import ANTONYMS, SURFACE
from evals.judges.facts.quantities import Quantity
from evals.judges.facts.words import stem


def antonym_conflicts(claim: Facts, evidence: Facts) -> list[tuple[str, str]]:
    """Pairs (claim word, evidence word) where the evidence says the opposite and not the same."""
    conflicts: list[tuple[str, str]] = []
    for a, b in ANTONYMS:
        for mine, theirs in ((a, b), (b, a)):
            if mine in claim.stems and theirs in evidence.stems and mine not in evidence.stems:
                conflicts.append((SURFACE[mine], SURFACE[theirs]))
    return conflicts


def missing_quantities(claim: Facts, evidence: Facts) -> list[Quantity]:
    """The claim's quantities the evidence does not state."""
    return [q for q in claim.quantities if not any(q.matches(e) for e in evidence.quantities)]


def missing_dates(claim: Facts, evidence: Facts) -> list[DateRef]:
    """The claim's dates the evidence does not state."""
    return [d for d in claim.dates if not any(d.matches(e) for e in evidence.dates)]


def missing_entities(claim: Facts, evidence: Facts) -> list[str]:
    """The claim's names and codes that the evidence never mentions.

    A period word that is the unit of a quantity the evidence states in other units ("one
    week" against "7 days") is part of that quantity, not a name of its own.
    """
    restated = {
        u
        for q in claim.quantities
        if any(q.matches(e) for e in evidence.quantities)
        for u in q.units
    }
    return [e for e in claim.entities if stem(e) not in evidence.stems and stem(e) not in restated]


def coverage(claim: Facts, evidence: Facts) -> float:
    """Share of the claim's content words found in the evidence (1.0 for a claim with none)."""
    if not claim.content:
        return 1.0
    return sum(1 for s in claim.content if s in evidence.stems) / len(claim.content)
