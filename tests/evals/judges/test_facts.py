"""Fact extraction: the numbers, dates, names and polarity the offline judge compares."""

from __future__ import annotations

import pytest

from evals.judges.binding import misbound
from evals.judges.facts import (
    DateRef,
    Quantity,
    antonym_conflicts,
    extract_facts,
    missing_dates,
    missing_entities,
    missing_quantities,
    stem,
)


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


def test_versions_and_codes_are_names_not_numbers() -> None:
    facts = extract_facts("Firmware 3.8.2 fixes E-214 on the Stacker S6-C.")
    assert facts.quantities == ()
    assert {"3.8.2", "e-214", "s6-c", "stacker"} <= set(facts.entities)


def test_dates_in_any_common_format_compare_equal() -> None:
    dates = {
        extract_facts(t).dates[0] for t in ("on 5 August 2024", "on August 5, 2024", "2024-08-05")
    }
    assert dates == {DateRef(2024, 8, 5)}
    assert DateRef(None, 3, 31).matches(DateRef(2025, 3, 31))
    assert not DateRef(2024, 8, 5).matches(DateRef(2024, 9, 5))


def test_a_changed_number_date_unit_or_name_is_missing_from_the_evidence() -> None:
    evidence = extract_facts(
        "Tessel 3.8.2 was released on 5 August 2024 with 600 requests per minute."
    )
    assert missing_quantities(extract_facts("It allows 600 requests per second."), evidence)
    assert not missing_quantities(extract_facts("It allows 600 requests per minute."), evidence)
    assert missing_dates(extract_facts("It was released on 5 September 2024."), evidence)
    assert missing_entities(extract_facts("Tessel 3.8.1 was released."), evidence) == ["3.8.1"]


def test_negation_ignores_conditions_and_comparators() -> None:
    assert extract_facts("Sick leave does not carry over.").negations == 1
    assert extract_facts("If it does not arrive, the customer is invoiced.").negations == 0
    assert extract_facts("Robots enter at no more than 0.3 m/s.").negations == 0


def test_opposite_words_conflict_unless_the_evidence_also_says_the_claimed_one() -> None:
    claim = extract_facts("Hardware sales rose 4%.")
    assert antonym_conflicts(claim, extract_facts("Hardware sales fell 4%.")) == [("rise", "fall")]
    assert antonym_conflicts(claim, extract_facts("Hardware sales rose 4%.")) == []


@pytest.mark.parametrize(
    ("claim", "swapped"),
    [
        ("The international per diem is $65 per day.", True),
        ("The domestic per diem is $65 per day.", False),
        ("Marcus Lindqvist will lead the project.", True),
        ("Priya Okafor will lead the project.", False),
    ],
)
def test_misbound_facts_belong_to_another_subject(claim: str, swapped: bool) -> None:
    evidence = extract_facts(
        "The domestic per diem is $65 per day and the international per diem is $90 per day. "
        "Priya Okafor will lead the project, with Marcus Lindqvist responsible for the budget."
    )
    assert bool(misbound(extract_facts(claim), evidence)) is swapped


def test_stem_matches_inflections() -> None:
    assert stem("returned") == stem("returns") == stem("return")
    assert stem("shipping") == stem("shipped") == stem("ship")
    assert stem("fell") == stem("fall")
