"""Claims cut into clauses, premises into units of adjacent sentences."""

from __future__ import annotations

from evals.judges.clauses import Unit, clauses, evidence_clauses, list_units, premise_units
from evals.judges.facts import facts_of
from evals.judges.offline import _negation_differs


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


def test_an_aside_in_brackets_is_a_clause_of_its_own() -> None:
    parts = evidence_clauses(
        "The median was $50 to $70 per hour (this does not account for recruiting costs)."
    )
    assert parts[0] == "The median was $50 to $70 per hour."
    assert parts[1] == "this does not account for recruiting costs"
    # A short bracket (a code, an area code) stays where it is.
    assert evidence_clauses("Call (877) 472-6716 now.") == ["Call (877) 472-6716 now."]


def test_an_asides_negation_is_not_the_sentences() -> None:
    premise = "The median was $50 to $70 per hour (this does not account for recruiting costs)."
    sentence = "The median was $50 to $70 per hour."
    unit = Unit((premise,), premise)
    assert not _negation_differs(sentence, facts_of(sentence), unit)


def test_so_long_as_is_a_condition_not_a_second_claim() -> None:
    assert clauses("You may work remotely, so long as your manager agrees.") == [
        "You may work remotely, so long as your manager agrees."
    ]
    assert len(clauses("The card has not arrived, so book through the travel desk.")) == 2


def test_a_whole_list_is_a_premise_unit_that_says_how_many_it_lists() -> None:
    passage = (
        "Staff can post to these newsletters:\n\n- the Weekly Digest\n- Field Notes\n\nAsk first."
    )
    assert [u.sentences for u in list_units([passage])] == [
        ("Staff can post to these newsletters:", "the Weekly Digest", "Field Notes", "(2 in all)")
    ]
    assert not any("(2 in all)" in u.text for u in premise_units([passage]))
