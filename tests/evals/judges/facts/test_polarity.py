"""Polarity: negations asserted, not those of conditions or comparators."""

from __future__ import annotations

from evals.judges.facts.extract import extract_facts
from evals.judges.facts.polarity import (
    count_negations,
    negated_apart,
    negated_words,
    prefixed_negations,
)
from evals.judges.facts.words import stem


def test_negation_ignores_conditions_and_comparators() -> None:
    assert extract_facts("Sick leave does not carry over.").negations == 1
    assert extract_facts("If it does not arrive, the customer is invoiced.").negations == 0
    assert extract_facts("Robots enter at no more than 0.3 m/s.").negations == 0
    # "As long as" and "provided" open conditions too; "for as long as 14 days" is a bound.
    assert extract_facts("Staff may join as long as it does not hurt billing.").negations == 0
    assert extract_facts("Staff may join provided it does not hurt billing.").negations == 0
    assert extract_facts("A team is held for as long as 14 days, not more.").negations == 1


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


def test_a_negation_reaches_its_word_through_bridges_and_lists() -> None:
    found = negated_words(
        "You aren't able to delete a post; after a day you cannot edit or move it."
    )
    assert found[stem("delete")] == found[stem("edit")] == found[stem("move")] == (True,)
    assert found[stem("post")] == (False,)
    # A negated bound limits a value; it does not deny the action.
    assert stem("carry") not in negated_words("You cannot carry over more than 240 hours.")
    # Nor does a negation inside a condition.
    assert negated_words("If it is not approved, resubmit it.")[stem("resubmit")] == (False,)


def test_a_word_negated_on_one_side_only_is_a_flip() -> None:
    evidence = "They will give a reason if it is not approved, and what can be done to resubmit."
    assert negated_apart(
        "Rejected requests cannot be resubmitted.", evidence, frozenset({stem("resubmit")})
    )
    assert not negated_apart("You can resubmit a request.", evidence, frozenset({stem("resubmit")}))
    # Every mention negated in the evidence, stated in the claim.
    evidence = "You are not able to delete a message, and after 5 minutes you cannot delete it."
    assert negated_apart("You can delete a message.", evidence, frozenset({stem("delete")})) == [
        stem("delete")
    ]


def test_a_relative_clause_ends_before_the_main_clauses_negated_verb() -> None:
    # The clause's own negation comes within its first words ...
    assert count_negations("A customer who does not return the part is billed.") == 0
    assert count_negations("Forms that your manager has not signed are returned.") == 0
    # ... a later negated auxiliary is the main clause's.
    assert count_negations("Interns who start after June 1 are not eligible.") == 1
    assert count_negations("Staff who have been here under a year cannot apply.") == 1


def test_a_contracted_main_clause_negation_counts() -> None:
    assert count_negations("Interns who start after June 1 can't apply.") == 1
    assert count_negations("Staff who joined this year won’t get the bonus.") == 1
