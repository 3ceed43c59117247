"""Claim against evidence: changed numbers, dates, units, names and opposite words."""

from __future__ import annotations

from evals.judges.facts.compare import (
    antonym_conflicts,
    missing_dates,
    missing_entities,
    missing_quantities,
)
from evals.judges.facts.extract import extract_facts


def test_a_changed_number_date_unit_or_name_is_missing_from_the_evidence() -> None:
    evidence = extract_facts(
        "Tessel 3.8.2 was released on 5 August 2024 with 600 requests per minute."
    )
    assert missing_quantities(extract_facts("It allows 600 requests per second."), evidence)
    assert not missing_quantities(extract_facts("It allows 600 requests per minute."), evidence)
    assert missing_dates(extract_facts("It was released on 5 September 2024."), evidence)
    assert missing_entities(extract_facts("Tessel 3.8.1 was released."), evidence) == ["3.8.1"]


def test_opposite_words_conflict_unless_the_evidence_also_says_the_claimed_one() -> None:
    claim = extract_facts("Hardware sales rose 4%.")
    assert antonym_conflicts(claim, extract_facts("Hardware sales fell 4%.")) == [("rise", "fall")]
    assert antonym_conflicts(claim, extract_facts("Hardware sales rose 4%.")) == []


def test_a_clock_time_is_one_value_not_its_hour_and_minutes() -> None:
    evidence = extract_facts("Arrive at 8:00 a.m., take a 30-minute lunch, and leave at 4:30 p.m.")
    # "4:00" is not backed by the "8:00" and the "4:30" it could be cut from.
    assert missing_quantities(extract_facts("You leave at 4:00 p.m."), evidence)
    assert not missing_quantities(extract_facts("You leave at half past four pm."), evidence)
    assert not missing_quantities(extract_facts("You leave at 16:30."), evidence)


def test_done_by_hand_is_the_opposite_of_done_automatically() -> None:
    claim = extract_facts("The per diem days have to be added manually.")
    evidence = extract_facts("The per diem days are added automatically.")
    assert antonym_conflicts(claim, evidence) == [("manual", "automatic")]


def test_a_ratio_or_a_decimal_is_no_clock_time_and_clock_times_do_not_add_up() -> None:
    assert extract_facts("Use a 4.5:10 ratio.").quantities[0].value == 4.5
    assert "oclock" not in extract_facts("Leave at 16:30.").content  # a unit, not a word
    evidence = extract_facts("Offices open 8:00 to 9:30 and the stipend is $300 or $200.")
    assert missing_quantities(extract_facts("It ends at 17:30 in total."), evidence)
    # "In all offices" says where, not a sum.
    assert missing_quantities(extract_facts("In all offices the stipend is $500."), evidence)
