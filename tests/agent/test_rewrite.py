"""Follow-up questions become standalone with the thread's previous question; others stay."""

from __future__ import annotations

import pytest

from agent.rewrite import is_follow_up, standalone

PREVIOUS = "What is the daily meal per diem for international travel?"


@pytest.mark.parametrize(
    "question",
    [
        "And what about domestic trips?",
        "what about the first day?",
        "But for contractors?",
        "Also for interns?",
        "How about Sundays?",
        "Does that apply to contractors?",  # short and refers back
        "How long is it?",
    ],
)
def test_follow_ups_carry_the_previous_question(question: str) -> None:
    assert is_follow_up(question)
    assert standalone(question, ["Earlier?", PREVIOUS]) == f"{PREVIOUS} {question}"


@pytest.mark.parametrize(
    "question",
    [
        "What is the minimum password length?",
        # Refers back with "that", but is long enough to stand on its own.
        "Does the remote work policy say that contractors may work from another country?",
        "Android tablets for the warehouse?",  # "and" only as part of a word
        "Theory of operation for the lidar?",  # "the", not "then"
    ],
)
def test_standalone_questions_are_left_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert standalone(question, [PREVIOUS]) == question


def test_the_first_question_of_a_thread_is_left_alone() -> None:
    assert standalone("And what about domestic trips?", []) == "And what about domestic trips?"


def test_a_previous_question_without_a_question_mark_gets_one() -> None:
    assert standalone("What about it?", ["Hotel cap in Boston  "]) == (
        "Hotel cap in Boston? What about it?"
    )
    assert standalone("And Sundays?", ["Tell me the office hours."]) == (
        "Tell me the office hours. And Sundays?"
    )
