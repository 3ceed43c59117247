"""Two documents giving different figures for what was asked are named, not silently chosen."""

from __future__ import annotations

from agent.conflicts import find_conflict
from indexes.search.results import SearchResult
from tools.rag import Source


def _source(n: int, document: str, text: str) -> Source:
    result = SearchResult(
        rank=n,
        score=0.0,
        chunk_id=f"c{n}",
        document_id=document,
        source=f"{document}.md",
        title="",
        section="",
        page=None,
        start_char=0,
        end_char=len(text),
        text=text,
    )
    return Source(n, 0.8, result)


QUESTION = "What is the company pension contribution?"


def test_different_figures_for_the_same_thing_conflict() -> None:
    sources = [
        _source(1, "policy", "Quillmark pays 7 percent into the company pension as contribution."),
        _source(2, "update", "Per the update, the company pension contribution is 25 percent."),
    ]
    conflict = find_conflict(QUESTION, sources)
    assert conflict is not None
    assert conflict.sentence() == "Two documents disagree: [1] says 7 percent, [2] says 25 percent."


def test_agreement_one_document_or_other_topics_are_no_conflict() -> None:
    same = [
        _source(1, "a", "The company pension contribution is 7 percent."),
        _source(2, "b", "Our company pension contribution is 7% of salary."),
    ]
    assert find_conflict(QUESTION, same) is None
    one_document = [
        _source(1, "a", "The company pension contribution is 7 percent."),
        _source(2, "a", "Voluntary pension contribution is capped at 10 percent by the company."),
    ]
    assert find_conflict(QUESTION, one_document) is None
    other_topic = [
        _source(1, "a", "The company pension contribution is 7 percent."),
        _source(2, "b", "The company bonus pool is 4 percent of salary."),
    ]
    assert find_conflict(QUESTION, other_topic) is None


def test_documents_sharing_the_figure_or_giving_an_example_do_not_disagree() -> None:
    question = "How many hours of advanced sick leave can I request?"
    both_say_240 = [
        _source(
            1,
            "advanced",
            "You can request up to 240 hours of advanced sick leave. Each pay period you earn 4 "
            "hours of sick leave, and the advanced sick leave you request is paid back in hours.",
        ),
        _source(2, "leave", "Employees can request up to 240 hours of advanced sick leave."),
    ]
    assert find_conflict(question, both_say_240) is None
    example = [
        _source(1, "advanced", "You can request up to 240 hours of advanced sick leave."),
        _source(
            2,
            "leave",
            "For example: you request advanced sick leave for a surgery. Therefore, you can "
            "request up to 104 advanced sick leave hours.",
        ),
    ]
    assert find_conflict(question, example) is None


def test_the_figures_are_shown_as_the_documents_write_them() -> None:
    sources = [
        _source(1, "a", "The advanced sick leave you can request is 240 hours."),
        _source(2, "b", "The advanced sick leave you can request is 80 hours."),
    ]
    conflict = find_conflict("How many hours of advanced sick leave can I request?", sources)
    assert conflict is not None
    assert conflict.sentence() == "Two documents disagree: [1] says 240 hours, [2] says 80 hours."
