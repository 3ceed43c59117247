"""The RAG tool on part of the sample corpus in a real Postgres: numbered results with
relevance, and a caller only ever sees what their groups may read."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pydantic import ValidationError

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search.options import SearchOptions
from ragtune.principal import Principal
from tests.conftest import SAMPLE_CORPUS, fresh_database_url, opened
from tools.rag import make_rag_tool, relevance, reorder_by_likelihood, retrieve

EMPLOYEE = Principal("erin")
HR = Principal("dana", frozenset({"hr"}))
OPTIONS = SearchOptions(collection="default", k=5)
PER_DIEM = "What is the daily meal per diem for international travel?"
PAY_BANDS = "What is the salary range of pay band L3?"
# A slice of the sample corpus (the whole of it takes a minute to embed on two cores).
PUBLIC = ("policies/travel-and-expenses.md", "policies/paid-time-off.md", "faq/faq.md")
HR_FILES = ("salary-pay-bands.md", "disciplinary-procedure.md")
FINANCE_FILES = ("vendor-payment-terms.md",)
RESTRICTED = HR_FILES + FINANCE_FILES


@pytest.fixture(scope="module")
def corpus_db(server_url: str, embedder: Embedder) -> Iterator[Database]:
    with fresh_database_url(server_url) as url, opened(url) as db:
        for files, folder, group in (
            (PUBLIC, "public", None),
            (HR_FILES, "restricted/hr", "hr"),
            (FINANCE_FILES, "restricted/finance", "finance"),
        ):
            options = IngestOptions(progress=False)
            if group:
                options = IngestOptions(progress=False, groups=frozenset({group}))
            paths = [SAMPLE_CORPUS / folder / name for name in files]
            report = ingest(db, embedder, paths, options)
            assert not report.failed and report.added == len(files)
        yield db


def _ask(db: Database, embedder: Embedder, principal: Principal, **args: Any) -> dict[str, Any]:
    tool = make_rag_tool(db, embedder, principal, OPTIONS)
    return dict(json.loads(tool.invoke(args)))


def test_tool_returns_numbered_results_with_relevance(
    corpus_db: Database, embedder: Embedder
) -> None:
    data = _ask(corpus_db, embedder, EMPLOYEE, query=PER_DIEM, k=3)
    assert data["query"] == PER_DIEM
    results = data["results"]
    assert [r["n"] for r in results] == [1, 2, 3]
    for r in results:
        assert {"n", "relevance", "source", "section", "page", "chunk_id", "text"} <= set(r)
        assert -1.0 <= r["relevance"] <= 1.0
    top = results[0]
    assert top["source"].endswith("travel-and-expenses.md")
    assert "Per diem" in top["section"] and "$90 per day" in top["text"]
    assert top["relevance"] == max(r["relevance"] for r in results)


def test_tool_uses_the_configured_k_by_default(corpus_db: Database, embedder: Embedder) -> None:
    assert len(_ask(corpus_db, embedder, EMPLOYEE, query=PER_DIEM)["results"]) == OPTIONS.k


def test_tool_arguments_are_validated(corpus_db: Database, embedder: Embedder) -> None:
    tool = make_rag_tool(corpus_db, embedder, EMPLOYEE, OPTIONS)
    assert tool.name == "search_company_documents"
    for bad in ({"query": "", "k": 3}, {"query": PER_DIEM, "k": 0}, {"query": PER_DIEM, "k": 21}):
        with pytest.raises(ValidationError):
            tool.invoke(bad)


def test_restricted_sources_need_the_group(corpus_db: Database, embedder: Embedder) -> None:
    for query in (PAY_BANDS, "disciplinary procedure written warning"):
        seen = _ask(corpus_db, embedder, EMPLOYEE, query=query, k=5)["results"]
        assert seen, query
        assert not [r["source"] for r in seen if r["source"] in RESTRICTED], query
    insider = _ask(corpus_db, embedder, HR, query=PAY_BANDS, k=3)["results"]
    assert insider[0]["source"] == "salary-pay-bands.md"
    # The group opens its own documents only: hr does not read finance's.
    payment = "Which suppliers have contracted payment terms?"
    finance = _ask(corpus_db, embedder, Principal("fin", frozenset({"finance"})), query=payment)
    assert finance["results"][0]["source"] == "vendor-payment-terms.md"
    terms = _ask(corpus_db, embedder, HR, query=payment)["results"]
    assert terms and not [r["source"] for r in terms if r["source"] in FINANCE_FILES]


def test_relevance_is_higher_for_the_matching_passage(
    corpus_db: Database, embedder: Embedder
) -> None:
    found = retrieve(corpus_db, embedder, PER_DIEM, EMPLOYEE, OPTIONS)
    matching = [s for s in found.sources if "Per diem rates" in s.result.section]
    others = [s for s in found.sources if s not in matching]
    assert len(matching) == 1 and others
    assert all(matching[0].relevance > s.relevance for s in others)
    assert found.best_relevance == matching[0].relevance > 0.5
    unrelated = retrieve(corpus_db, embedder, "Who won the 1998 World Cup?", EMPLOYEE, OPTIONS)
    assert unrelated.best_relevance < found.best_relevance - 0.2
    # The same number relevance() gives for that passage alone.
    again = relevance(embedder, PER_DIEM, [matching[0].result])
    assert again == [pytest.approx(matching[0].relevance, abs=1e-5)]


@pytest.mark.parametrize("mode", ["hybrid", "vector", "text"])
def test_relevance_is_the_cosine_with_each_passage_as_embedded(
    corpus_db: Database, embedder: Embedder, mode: str
) -> None:
    # Hybrid and vector searches return each result's similarity to the query from its stored
    # vector (no second embedding); text mode has no query vector and embeds. All three must
    # give what embedding the passages again gives.
    options = SearchOptions(collection="default", k=5, mode=mode)  # type: ignore[arg-type]
    found = retrieve(corpus_db, embedder, PER_DIEM, EMPLOYEE, options)
    assert found.sources
    again = relevance(embedder, PER_DIEM, [s.result for s in found.sources])
    assert [s.relevance for s in found.sources] == pytest.approx(again, abs=1e-4)


def test_likelihood_reorders_the_top_sources_and_keeps_their_relevance(
    corpus_db: Database, embedder: Embedder
) -> None:
    found = retrieve(corpus_db, embedder, PER_DIEM, EMPLOYEE, OPTIONS)
    assert len(found.sources) == 5
    seen: list[tuple[str, int]] = []

    def favours_the_third(question: str, passages: Sequence[str]) -> list[float]:
        # Stands in for the model: it favours the third of the first four passages.
        seen.append((question, len(passages)))
        return [-3.0, -3.0, 0.0, -3.0]

    reordered = reorder_by_likelihood(found, favours_the_third, weight=1.0, depth=4)
    assert seen == [(PER_DIEM, 4)]
    assert [s.n for s in reordered.sources] == [1, 2, 3, 4, 5]
    ids = [s.result.chunk_id for s in found.sources]
    assert [s.result.chunk_id for s in reordered.sources] == [ids[2], ids[0], ids[1], *ids[3:]]
    relevance_of = {s.result.chunk_id: s.relevance for s in found.sources}
    assert all(s.relevance == relevance_of[s.result.chunk_id] for s in reordered.sources)
    # Weight 0 is off: the model is not asked.
    assert reorder_by_likelihood(found, favours_the_third, weight=0.0, depth=4) is found
    assert len(seen) == 1
