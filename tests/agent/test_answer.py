"""The note under an answer whose cited passages miss what was asked."""

from __future__ import annotations

from agent.answer import caveat
from ragtune.answer_contract import AskResponse, VerificationOut


def response(answers: bool | None, missing: list[str], *, abstained: bool = False) -> AskResponse:
    check = VerificationOut(
        supported_sentences=1, total_sentences=1, answers_question=answers, missing=missing
    )
    return AskResponse(
        answer="Vacation: 26 days [1].",
        route="rag",
        route_reason="",
        abstained=abstained,
        citations=[],
        verification=check,
        thread_id="t",
        timings_ms={},
    )


def test_an_answer_that_misses_what_was_asked_names_what_is_missing() -> None:
    assert caveat(response(False, ["Germany", "5 year"])) == (
        'Note: the cited passages do not mention "Germany", "5 year"; this may not answer your '
        "question."
    )
    assert caveat(response(False, [])) == "Note: the cited passages may not hold what was asked."


def test_no_note_for_an_answer_that_answers_an_unchecked_one_or_an_abstention() -> None:
    assert caveat(response(True, [])) == ""
    assert caveat(response(None, [])) == ""  # the adapter route returns no document text
    assert caveat(response(False, ["Germany"], abstained=True)) == ""  # it says so itself


def test_a_grounded_route_with_nothing_verified_says_so_not_why_it_was_chosen() -> None:
    from agent.nodes.finalize import _abstention

    for route, reason in (("rag", "requested by the caller"), ("both", "needs facts")):
        said = _abstention({"route": route, "route_reason": reason, "route_by": "caller"})
        assert reason not in said and "no passage I can access states an answer" in said
    declined = _abstention(
        {"route": "none", "route_reason": "the documents you can access do not cover this"}
    )
    assert "do not cover this" in declined
