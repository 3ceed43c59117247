"""Binding: a fact the evidence binds to another subject does not back the claim."""

from __future__ import annotations

import pytest

from evals.judges.binding import misbound
from evals.judges.facts.extract import extract_facts


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


def test_the_unit_of_a_total_belongs_to_the_total() -> None:
    # "80 hours" is 8 hours a day for 10 days: its "hours" is not moved from "day".
    evidence = extract_facts("You work 8 hours every day, for all 10 work days per pay period.")
    assert misbound(extract_facts("You work 80 hours per pay period."), evidence) == []
    # A quantity the evidence states itself is still checked where it stands.
    evidence = extract_facts("The domestic per diem is $65 and the international per diem is $90.")
    assert misbound(extract_facts("The international per diem is $65."), evidence)
