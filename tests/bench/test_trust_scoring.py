"""bench.trust_scoring: the losses counted, and whether an answer from the right section
states the reference answer's figures."""

from __future__ import annotations

from typing import Any

from bench.trust_scoring import score, states_reference
from evals.judges.readings import Thresholds

GOLD = [["travel.md", "Travel > Approval"]]


def test_an_answer_states_the_reference_figures_by_value_and_unit() -> None:
    reference = "21 days before departure."
    assert states_reference("Approve it at least 21 days before departure [1].", reference)
    assert not states_reference("Keep every boarding pass [1].", reference)
    assert not states_reference("Approve it 21 hours before departure [1].", reference)
    assert states_reference("The rate is $69 per day [2].", "$69 a day")


def test_a_reference_without_figures_is_not_counted() -> None:
    assert states_reference("Yes, you may [1].", "Yes.") is None


def _record(answer: str, answers: bool) -> dict[str, Any]:
    # A record as bench.trust writes it, with one reading: the check's decision under any
    # thresholds comes from the readings, so this one answers or not whatever they are.
    reading = {
        "window": answer,
        "attribute_found": answers,
        "support": {"departure": 1.0},
        "shares": {},
        "quote": [answer],
        "rivals": {},
    }
    return {
        "question": "How many days before departure must it be approved?",
        "answerable": True,
        "gold": GOLD,
        "abstained": False,
        "citations": GOLD,
        "answerability": {"cited": GOLD},
        "readings": [reading],
        "reference": "21 days before departure.",
        "answer": answer,
    }


def test_the_score_counts_right_answers_that_state_the_reference_and_the_losses() -> None:
    records = [
        _record("Approve it 21 days before departure [1].", answers=True),
        _record("Keep every boarding pass [1].", answers=True),
        _record("Keep every boarding pass [1].", answers=False),
    ]
    found = score(records, Thresholds())
    assert found["answered_right_source"] == round(2 / 3, 4)
    assert found["with_figures"] == 3
    assert found["answered_right_with_figures"] == round(1 / 3, 4)
    assert found["losses"] == {"declined, right passage checked": 1}


def test_the_score_counts_the_share_of_cited_passages_that_are_gold() -> None:
    padded = _record("Approve it 21 days before departure [1]. Book early [2].", answers=True)
    padded["answerability"] = {"cited": [*GOLD, ["travel.md", "Travel > Booking"]]}
    records = [
        _record("Approve it 21 days before departure [1].", answers=True),
        padded,
        _record("Keep every boarding pass [1].", answers=False),  # declined: not counted
    ]
    assert score(records, Thresholds())["cited_gold_share"] == round((1 + 1 / 2) / 2, 4)


def test_report_mode_shows_a_failed_answer_with_a_note_unless_nothing_asked_is_there() -> None:
    def near_miss(support: float, before_the_check: bool = False) -> dict[str, Any]:
        record = _record("Keep every boarding pass [1].", answers=False)
        record["readings"][0]["support"] = {"departure": support}
        record["answerable"] = False
        if before_the_check:
            record.update(answerability=None, abstained=True, citations=[])
        return record

    records = [
        _record("Approve it 21 days before departure [1].", answers=True),
        _record("Keep every boarding pass [1].", answers=False),  # answered, with a note
        near_miss(1.0),  # "departure" is there, the asked number is not: a note
        near_miss(0.0),  # nothing asked is there: declined
        near_miss(0.0, before_the_check=True),
    ]
    found = score(records, Thresholds())
    assert found["answered_right_source"] == 0.5  # abstain mode declines the second
    assert found["near_miss_declined"] == 1.0
    assert found["report_mode"] == {
        "answered_right_source": 1.0,
        "near_miss_declined": round(2 / 3, 4),
        "near_miss_noted": round(1 / 3, 4),
    }
