"""Polarity: negations asserted, not those of conditions or comparators."""

from __future__ import annotations

from evals.judges.facts.extract import extract_facts
from evals.judges.facts.polarity import prefixed_negations


def test_negation_ignores_conditions_and_comparators() -> None:
    assert extract_facts("Sick leave does not carry over.").negations == 1
    assert extract_facts("If it does not arrive, the customer is invoiced.").negations == 0
    assert extract_facts("Robots enter at no more than 0.3 m/s.").negations == 0


def test_without_denies_an_action_or_any_amount_not_a_noun() -> None:
    assert extract_facts("Managers approve it without documenting it.").negations == 1
    assert extract_facts("Sick leave accrues without any limit.").negations == 1
    assert extract_facts("A case without a workaround goes to the manager.").negations == 0


def test_a_negating_prefix_counts_against_the_root_on_the_other_side() -> None:
    said = extract_facts("Hours you do not use go back to the donors.").stems
    assert prefixed_negations("All unused hours are returned to the donors.", said) == 1
    # The same prefixed word on both sides, or a word that only starts like a prefix, is not.
    assert prefixed_negations("Unloaded carts stop sooner.", frozenset({"unload", "load"})) == 0
    same = extract_facts("The union reviews each unit.").stems
    assert prefixed_negations("Each unit is under union review.", same) == 0
