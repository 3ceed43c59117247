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
