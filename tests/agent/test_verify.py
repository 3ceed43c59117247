"""Sentence-by-sentence verification of an answer against the sources it cites, with the
offline entailment judge the eval harness uses (real embedder)."""

from __future__ import annotations

import pytest

from agent.verify import verify
from evals.judges.protocol import Judge
from evals.judges.registry import JudgeOptions, build_judge
from indexes.embeddings import Embedder
from indexes.search.results import SearchResult
from tools.rag import Source

PER_DIEM = (
    "Meals while travelling are covered by a daily per diem instead of individual receipts: "
    "Domestic: $65 per day; International: $90 per day. On the first and last day of a trip "
    "you receive 75% of the per diem."
)
PASSWORDS = "Passwords must be at least 14 characters long and are never shared."


@pytest.fixture(scope="module")
def judge(embedder: Embedder) -> Judge:
    return build_judge("offline", JudgeOptions(embedder=embedder))


def source(n: int, text: str) -> Source:
    result = SearchResult(n, 0.1, f"c{n}", "d", "doc.md", "Doc", "", None, 0, len(text), text)
    return Source(n, 0.6, result)


SOURCES = [source(1, PER_DIEM), source(2, PASSWORDS)]


def test_a_quoted_sentence_citing_its_source_is_supported(judge: Judge) -> None:
    checked = verify(judge, "The international per diem is $90 per day [1].", SOURCES)
    assert (checked.supported_sentences, checked.total_sentences) == (1, 1)
    verdict = checked.sentences[0]
    assert verdict.supported and verdict.cited == (1,) and verdict.score > 0.5
    assert verdict.text == "The international per diem is $90 per day [1]."
    assert "$90 per day" in verdict.evidence


def test_an_uncited_sentence_is_unsupported(judge: Judge) -> None:
    checked = verify(judge, "The international per diem is $90 per day.", SOURCES)
    assert (checked.supported_sentences, checked.total_sentences) == (0, 1)
    verdict = checked.sentences[0]
    assert not verdict.supported and verdict.cited == () and verdict.evidence == "cites no source"


def test_a_citation_to_a_missing_source_is_unsupported(judge: Judge) -> None:
    checked = verify(judge, "The international per diem is $90 per day [7].", SOURCES)
    verdict = checked.sentences[0]
    assert not verdict.supported and verdict.cited == (7,)
    assert verdict.evidence == "cites no retrieved source"


def test_a_sentence_is_judged_against_the_source_it_cites(judge: Judge) -> None:
    # True, but in source 2, not in the source it cites.
    wrong_source = verify(judge, "Passwords must be at least 14 characters [1].", SOURCES)
    assert wrong_source.supported_sentences == 0
    # Cited correctly, it is supported; the wrong number alongside does not hurt.
    right = verify(judge, "Passwords must be at least 14 characters [1][2].", SOURCES)
    assert right.supported_sentences == 1


def test_a_contradicted_figure_is_unsupported(judge: Judge) -> None:
    checked = verify(judge, "The international per diem is $500 per day [1].", SOURCES)
    assert checked.supported_sentences == 0 and checked.total_sentences == 1


def test_each_sentence_counts_once(judge: Judge) -> None:
    answer = (
        "The international per diem is $90 per day [1]. Passwords must be at least 14 "
        "characters [2]. Our CEO prefers cats to dogs [1]. Robots dance on Fridays."
    )
    checked = verify(judge, answer, SOURCES)
    assert checked.total_sentences == 4 and checked.supported_sentences == 2
    assert [v.supported for v in checked.sentences] == [True, True, False, False]
    assert [v.cited for v in checked.sentences] == [(1,), (2,), (1,), ()]
    assert checked.to_json() == {
        "supported_sentences": 2,
        "total_sentences": 4,
        "answers_question": None,  # not checked here: the verify node runs that check
        "missing": [],
    }


def test_an_empty_answer_has_no_sentences(judge: Judge) -> None:
    checked = verify(judge, "", SOURCES)
    assert (checked.supported_sentences, checked.total_sentences, checked.sentences) == (0, 0, [])
