"""Claims cut into clauses, premises into units of adjacent sentences."""

from __future__ import annotations

from evals.judges.clauses import clauses, premise_units


def test_clauses_and_units() -> None:
    assert clauses("Logs are kept for 14 days and are then sent to the customer.") == [
        "Logs are kept for 14 days",
        "and are then sent to the customer.",
    ]
    assert clauses("The S4 carries 1,000 kg and the S6 carries 1,500 kg.") == [
        "The S4 carries 1,000 kg and the S6 carries 1,500 kg."
    ]
    units = premise_units(["One. Two. Three."], window=2)
    assert [u.text for u in units] == ["One.", "Two.", "Three.", "One. Two.", "Two. Three."]
    assert units[0].nearby == "One. Two. Three."
