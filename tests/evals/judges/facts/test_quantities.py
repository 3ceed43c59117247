"""Quantities: numbers with their units and scale, number words."""

from __future__ import annotations

from evals.judges.facts.extract import extract_facts
from evals.judges.facts.quantities import Quantity
from evals.judges.facts.words import stem


def test_quantities_carry_their_units_and_scale() -> None:
    facts = extract_facts(
        "The fee is $1.5 million, 15% of 1,500 kg, up to 600 requests per minute."
    )
    assert Quantity(1_500_000, frozenset({"$"})) in facts.quantities
    assert Quantity(15, frozenset({"%"})) in facts.quantities
    assert Quantity(1500, frozenset({"kg"})) in facts.quantities
    assert Quantity(600, frozenset({stem("minute")})) in facts.quantities


def test_number_words_count_as_numbers_but_one_of_does_not() -> None:
    facts = extract_facts("Reset it twice in 24 hours; one of the five pads is spare.")
    assert sorted(q.value for q in facts.quantities) == [2, 5, 24]
