"""The agent's answerability check: on the passages an answer cites, not all it retrieved, and
reported in the answer's verification."""

from __future__ import annotations

from agent.answer import Verification
from agent.answerability import check, cited_evidence
from indexes.embeddings import Embedder
from indexes.search.results import SearchResult
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
