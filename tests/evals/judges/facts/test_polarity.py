"""Polarity: negations asserted, not those of conditions or comparators."""

from __future__ import annotations

from evals.judges.facts.extract import extract_facts


def test_negation_ignores_conditions_and_comparators() -> None:
    assert extract_facts("Sick leave does not carry over.").negations == 1
    assert extract_facts("If it does not arrive, the customer is invoiced.").negations == 0
    assert extract_facts("Robots enter at no more than 0.3 m/s.").negations == 0
