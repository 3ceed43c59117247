"""The vector side on a second connection: the same results as one connection, permissions
kept, and a fallback when the pool has no connection to spare."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import psycopg
import pytest

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.options import SearchOptions
from tests.conftest import opened
from tests.indexes.search.test_search import EMPLOYEE, HR

QUESTIONS = [
    "How many vacation days do new employees get?",
    "What does error E-214 mean?",
    "What is the midpoint of the L4 salary band?",
    "Norvane Optics payment terms",
]


def _one_connection(db: Database) -> AbstractContextManager[Database]:
    """The same database through an app pool of one connection: never one to spare."""
    url = db.admin.conninfo
    assert isinstance(url, str)
    return opened(url, pool_max=1)


def _spares(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each search, whether its vector side got a second connection."""
    taken: list[bool] = []
    original = Database.reading_if_free

    @contextmanager
    def recording(
        self: Database, *args: object, **kwargs: object
    ) -> Iterator[psycopg.Connection | None]:
        with original(self, *args, **kwargs) as conn:  # type: ignore[arg-type]
            taken.append(conn is not None)
            yield conn

    monkeypatch.setattr(Database, "reading_if_free", recording)
    return taken


def test_two_connections_and_one_give_the_same_ranking(
    sample_db: Database, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = _spares(monkeypatch)
    options = SearchOptions(k=8)
    for question in QUESTIONS[:2]:  # the pool grows its spare connection
        search(sample_db, embedder, question, HR, options)
    with _one_connection(sample_db) as single:
        for principal in (EMPLOYEE, HR):
            for question in QUESTIONS:
                del taken[:]
                both = search(sample_db, embedder, question, principal, options)
                assert taken == [True], "the vector side did not run alongside"
                del taken[:]
                alone = search(single, embedder, question, principal, options)
                assert taken == [False], "a one-connection pool has none to spare"
                assert [r.chunk_id for r in both.results] == [r.chunk_id for r in alone.results]
                assert [round(r.score, 5) for r in both.results] == [
                    round(r.score, 5) for r in alone.results
                ]
                assert both.similarity.keys() == alone.similarity.keys()


def test_the_second_connection_reads_as_the_same_principal(
    sample_db: Database, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = _spares(monkeypatch)
    # Vector-heavy: the restricted pay-band page is the nearest passage for a reader of it.
    question = "What is the midpoint of the L4 salary band?"
    search(sample_db, embedder, question, HR, SearchOptions(k=3))
    found = search(sample_db, embedder, question, HR, SearchOptions(k=3))
    assert found.results[0].source == "salary-pay-bands.md"
    hidden = search(sample_db, embedder, question, EMPLOYEE, SearchOptions(k=20))
    assert taken[-1] is True
    assert "salary-pay-bands.md" not in {r.source for r in hidden.results}
