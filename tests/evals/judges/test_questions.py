"""Reading a question: the asked attribute and the qualifiers an answer must be about."""

import pytest

from evals.judges.questions import asked_attribute, qualifiers


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much is the per diem?", "amount"),
        ("How many robots may share one pad?", "count"),
        ("How many days of leave do I get?", "duration"),
        ("How long is the warranty?", "duration"),
        ("When are ratings locked?", "date"),
        ("Who approves business class?", "person"),
        ("Can I carry over unused days?", "yes/no"),
        ("How do I request a loaner robot?", "procedure"),
        ("How big is the first rollout stage?", "amount"),
        ("How far ahead does the safety field reach?", "amount"),
        ("How soon is an engineer on site?", "duration"),
    ],
)
def test_the_asked_attribute_is_read_from_the_question(question: str, kind: str) -> None:
    assert asked_attribute(question) == kind


def test_qualifiers_leave_out_framing_and_the_asked_unit() -> None:
    words = dict(qualifiers("How many days of military leave do I get per year?"))
    assert {"military", "leave"} <= set(words)
    assert "days" not in words and "get" not in words and "how" not in words


def test_the_subject_after_an_inverted_auxiliary_is_a_qualifier() -> None:
    # In a question the auxiliary comes first and the subject after it: it is not a verb.
    assert "contractors" in dict(qualifiers("How many weeks of parental leave do contractors get?"))
    assert "domestic" in dict(qualifiers("How many days ahead must domestic trips be approved?"))
    # After a pronoun the verb follows, and is left out as before.
    assert "expire" not in dict(qualifiers("When do they expire?"))


def test_the_adjective_of_how_big_is_the_attribute_not_a_qualifier() -> None:
    words = dict(qualifiers("How big is the first rollout stage?"))
    assert "big" not in words and {"rollout", "stage"} <= set(words)
