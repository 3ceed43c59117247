"""Names: codes and versions are names a sentence commits to, not numbers."""

from __future__ import annotations

from evals.judges.facts.extract import extract_facts


def test_versions_and_codes_are_names_not_numbers() -> None:
    facts = extract_facts("Firmware 3.8.2 fixes E-214 on the Stacker S6-C.")
    assert facts.quantities == ()
    assert {"3.8.2", "e-214", "s6-c", "stacker"} <= set(facts.entities)
