"""Claim against evidence: the facts of a claim that the evidence does not back."""

from __future__ import annotations

from itertools import combinations

from evals.judges.facts.dates import DateRef
from evals.judges.facts.extract import Facts
from evals.judges.facts.names import VALUE_KIND
from evals.judges.facts.polarity import ANTONYMS, SURFACE
from evals.judges.facts.quantities import CLOCK, Quantity
from evals.judges.facts.restate import FREQUENCIES
from evals.judges.facts.words import stem


def antonym_conflicts(claim: Facts, evidence: Facts) -> list[tuple[str, str]]:
    """Pairs (claim word, evidence word) where the evidence says the opposite and not the same."""
    conflicts: list[tuple[str, str]] = []
    for a, b in ANTONYMS:
        for mine, theirs in ((a, b), (b, a)):
            if mine in claim.stems and theirs in evidence.stems and mine not in evidence.stems:
                conflicts.append((SURFACE[mine], SURFACE[theirs]))
    return conflicts


def _stated(evidence: Facts) -> list[Quantity]:
    """The evidence's quantities, and the totals its counts of sized things come to."""
    return [*evidence.quantities, *(t.quantity for t in evidence.totals)]


def _counted(claim: Facts, stated: list[Quantity]) -> list[float]:
    """Numbers of the claim that only count towards a total the evidence states ("two 40-hour
    weeks" against "80 hours"): each is backed by that total, not by a number of its own."""
    return [
        part for t in claim.totals if any(t.quantity.matches(e) for e in stated) for part in t.parts
    ]


# Words that say a number adds up others: "four weeks in total", "$300 altogether".
_TOTAL_WORDS = frozenset({"total", "totals", "totalling", "totaling", "altogether", "combined"})
_MAX_ADDENDS = 4
_MAX_PARTS = 12


def says_total(claim: Facts) -> bool:
    """Whether the claim presents a number as a sum ("in total", "altogether", "combined").
    ("In all" is left out: "in all offices" says where, not how much.)"""
    return bool(_TOTAL_WORDS & set(claim.tokens))


def _sum_of(q: Quantity, evidence: Facts) -> bool:
    """Whether ``q`` is the sum of two to four of the evidence's quantities in its units
    ("2 weeks for preparation and 2 weeks for testing" come to 4 weeks)."""
    if not q.units or CLOCK in q.units:
        return False  # clock times do not add up
    parts = [e.value for e in evidence.quantities if e.units == q.units]
    if len(parts) > _MAX_PARTS:
        return False  # a long list (a price table) is no sum the claim states
    return any(
        abs(sum(chosen) - q.value) < 1e-9
        for size in range(2, min(len(parts), _MAX_ADDENDS) + 1)
        for chosen in combinations(parts, size)
    )


# Frequency adjectives a passage leaves before their noun ("quarterly audits", "annual
# recertification"; restate.py reads the same words as frequencies elsewhere), with the
# period each says once.
_FREQUENCY_ADJECTIVES = {word: stem(per) for word, (_, per) in FREQUENCIES.items()} | {
    "annual": "year"
}


def _once_a_period(q: Quantity, evidence: Facts) -> bool:
    """A claim's frequency ("every week", "four times a year" read as every 0.25 year) is
    backed by evidence that says it as an adjective ("weekly 1:1s", "quarterly audits"), or,
    for once a period, by evidence that names the period ("4 hours per week"): how often, not
    a number of its own."""
    if len(q.units) != 1 or VALUE_KIND.get(next(iter(q.units))) != "period":
        return False
    said = {_FREQUENCY_ADJECTIVES[t] for t in evidence.tokens if t in _FREQUENCY_ADJECTIVES}
    if any(q.matches(Quantity(1.0, frozenset({p}))) for p in said):
        return True
    return q.value == 1 and next(iter(q.units)) in evidence.stems


def missing_quantities(claim: Facts, evidence: Facts) -> list[Quantity]:
    """The claim's quantities the evidence does not state, directly, in other units, or as the
    total of a count of sized things on either side ("half an hour" = "two 15-minute breaks").
    A number the claim calls a total may also be the sum of two to four of the evidence's
    numbers in its units."""
    stated = _stated(evidence)
    counted = _counted(claim, stated)
    total = says_total(claim)
    missing = []
    for q in claim.quantities:
        if any(q.matches(e) for e in stated) or (total and _sum_of(q, evidence)):
            continue
        if _once_a_period(q, evidence):
            continue
        part = next((v for v in counted if abs(v - q.value) < 1e-9), None)
        if part is not None:
            counted.remove(part)
            continue
        missing.append(q)
    return missing


def missing_dates(claim: Facts, evidence: Facts) -> list[DateRef]:
    """The claim's dates the evidence does not state."""
    return [d for d in claim.dates if not any(d.matches(e) for e in evidence.dates)]


def missing_entities(claim: Facts, evidence: Facts) -> list[str]:
    """The claim's names and codes that the evidence never mentions.

    A period word that is the unit of a quantity the evidence states in other units ("one
    week" against "7 days", "four times a year" against "quarterly") is part of that
    quantity, not a name of its own.
    """
    stated = _stated(evidence)
    restated = {
        u
        for q in claim.quantities
        if any(q.matches(e) for e in stated) or _once_a_period(q, evidence)
        for u in q.units
    }
    if _counted(claim, stated):
        # "two 40-hour work weeks" = "80 hours": the period words belong to the total.
        restated |= {s for s in claim.content if s in VALUE_KIND and VALUE_KIND[s] == "period"}
    # An acronym and its spelled-out name are one name, whichever side spells it.
    restated |= {stem(a) for a, _ in evidence.spelled}
    restated |= {stem(w) for a, words in claim.spelled if stem(a) in evidence.stems for w in words}
    return [e for e in claim.entities if stem(e) not in evidence.stems and stem(e) not in restated]


def coverage(claim: Facts, evidence: Facts) -> float:
    """Share of the claim's content words found in the evidence (1.0 for a claim with none)."""
    if not claim.content:
        return 1.0
    return sum(1 for s in claim.content if s in evidence.stems) / len(claim.content)
