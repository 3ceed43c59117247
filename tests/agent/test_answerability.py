"""The agent's answerability check: on the passages an answer cites, not all it retrieved, and
reported in the answer's verification."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.answer import Verification
from agent.answerability import answering_quotes, check, cited_evidence
from agent.extractive import Candidate, candidates
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search.results import SearchResult
from ragtune.principal import Principal
from tests.support.agent_fixtures import agent_settings, make_agent
from tools.rag import Source

LEAVE = (
    "Employees in Massachusetts receive 12 weeks of paid bonding leave. In Colorado, bonding "
    "leave is paid for up to 12 weeks."
)
TEXAS = "Texas employees may donate up to 40 hours of annual leave to a colleague."


def _source(n: int, text: str, section: str) -> Source:
    result = SearchResult(n, 0.1, f"c{n}", "d", "leave.md", "Leave", section, None, 0, 9, text)
    return Source(n, 0.6, result)


SOURCES = [
    _source(1, LEAVE, "Leave > Bonding leave"),
    _source(2, TEXAS, "Leave > Leave donation"),
]


def test_only_the_cited_passages_count(embedder: Embedder) -> None:
    # Texas is in a retrieved passage, but not in the one the answer cites.
    answer = "Employees in Massachusetts receive 12 weeks of paid bonding leave [1]."
    assert [e.section for e in cited_evidence(answer, SOURCES)] == ["Leave > Bonding leave"]
    result = check(embedder, "How many weeks of bonding leave do I get in Texas?", answer, SOURCES)
    assert not result.answers
    assert result.missing == ("Texas",)
    assert "Massachusetts and Colorado" in result.reason


def test_the_verification_reports_it(embedder: Embedder) -> None:
    answer = "Employees in Massachusetts receive 12 weeks of paid bonding leave [1]."
    result = check(
        embedder, "How many weeks of bonding leave do I get in Massachusetts?", answer, SOURCES
    )
    assert result.answers
    verification = Verification(1, 1, answerability=result.to_json())
    assert verification.to_json()["answers_question"] is True
    declined = check(embedder, "How many weeks of bonding leave in Texas?", answer, SOURCES)
    out = Verification(1, 1, answerability=declined.to_json()).to_json()
    assert out["answers_question"] is False and out["missing"] == ["Texas"]


TRAVEL = (
    "Domestic trips are booked through the travel desk. Boarding passes go with the claim. "
    "International travel must be approved by your director at least 21 days before departure."
)
HOTELS = "Hotels are capped at $180 per night in high-cost cities and $140 per night elsewhere."


def _candidates(embedder: Embedder, question: str, sources: list[Source]) -> list[Candidate]:
    return candidates(embedder, question, sources, 0.35)


def _drafts(embedder: Embedder, question: str, sources: list[Source]) -> list[str]:
    """The answering quotes offered for ``question``, best first."""
    found = _candidates(embedder, question, sources)
    return list(answering_quotes(embedder, question, found, sources))


def test_the_quote_is_a_sentence_that_answers(embedder: Embedder) -> None:
    sources = [_source(1, TRAVEL, "Travel > Approval"), _source(2, HOTELS, "Travel > Hotels")]
    question = "How many days before departure must international travel be approved?"
    found = _candidates(embedder, question, sources)
    drafts = list(answering_quotes(embedder, question, found, sources))
    assert drafts[0].startswith("International travel must be approved")
    assert drafts[0].endswith("[1].")


def test_no_quote_when_no_passage_answers(embedder: Embedder) -> None:
    # Domestic trips are there, and a number of days for international travel: no window
    # of two sentences holds both, and the one with the number is about another kind of trip.
    sources = [_source(1, TRAVEL, "Travel > Approval"), _source(2, HOTELS, "Travel > Hotels")]
    question = "How many days before departure must domestic travel be approved?"
    found = _candidates(embedder, question, sources)
    assert found  # there is something to quote ...
    assert list(answering_quotes(embedder, question, found, sources)) == []  # ... nothing answers


def test_an_answering_quote_the_judge_rejects_gives_way_to_the_next(embedder: Embedder) -> None:
    # Both sentences answer on their own; the verify step keeps the first the judge supports,
    # so answering_quotes offers every answering sentence, best first, not only the best.
    text = (
        "International travel must be approved at least 21 days before departure. "
        "Approval for international travel comes from a director, 21 days before departure."
    )
    sources = [_source(1, text, "Travel > Approval")]
    question = "How many days before departure must international travel be approved?"
    drafts = _drafts(embedder, question, sources)
    assert len(drafts) >= 2 and all(d.endswith("[1].") for d in drafts)


def test_of_two_answering_quotes_the_one_holding_more_of_the_question_comes_first(
    embedder: Embedder,
) -> None:
    # Both answer under the thresholds (one common word may be missing): the sentence that
    # scores best lacks "remote"; the other has every word asked.
    partial = "The home office stipend for staff is $500 a year."
    whole = (
        "Staff who work remotely can claim $500 a year for their home office setup as a stipend."
    )
    sources = [_source(1, partial, "Equipment > Stipend"), _source(2, whole, "Remote > Stipend")]
    question = "How much is the home office stipend for remote staff?"
    found = _candidates(embedder, question, sources)
    assert found[0].n == 1  # the sentence score puts the partial one first ...
    drafts = list(answering_quotes(embedder, question, found, sources))
    assert drafts[0].startswith("Staff who work remotely")  # ... the whole one is quoted first
    assert any(d.startswith("The home office stipend") for d in drafts[1:])


def test_a_list_that_answers_how_many_is_quoted_whole_with_its_count(embedder: Embedder) -> None:
    text = (
        "Staff can post to these newsletters:\n\n- the Weekly Digest\n- Field Notes\n"
        "- the Lab Letter\n\nEach has its own editor."
    )
    sources = [_source(1, text, "Communications > Newsletters")]
    drafts = _drafts(embedder, "How many newsletters can staff post to?", sources)
    assert (
        "Staff can post to these newsletters: the Weekly Digest; Field Notes; the Lab Letter "
        "(3 in all) [1]."
    ) in drafts


@pytest.mark.slow
def test_by_default_an_answer_about_something_else_is_declined_and_a_near_one_noted(
    handbook_db: Database, handbook_embedder: Embedder, tmp_path: Path
) -> None:
    # Report mode (the default) shows an answer that lacks a detail, with the check's note;
    # passages that hold nothing the question asks about answer nothing, so it declines.
    agent = make_agent(
        agent_settings(tmp_path, agent_generate=False), handbook_db, handbook_embedder
    )
    reader = Principal("new-hire")
    try:
        elsewhere = agent.ask("Do we get a stipend for home internet?", reader)
        assert elsewhere.abstained and not elsewhere.citations, elsewhere.answer
        assert 'say nothing about "stipend", "home" or "internet"; they cover' in elsewhere.answer
        near = agent.ask("What is the per diem in Paris?", reader)
        assert not near.abstained and near.citations, near.answer
        check = near.verification.to_response()
        assert check.answers_question is False and check.missing == ["Paris"]
    finally:
        agent.close()
