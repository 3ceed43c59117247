"""The exact path: taken only when the principal reads a small share of the collection."""

from __future__ import annotations

from indexes.collections import get_collection
from indexes.database import Database
from indexes.search.options import SearchOptions
from indexes.search.scope import FewDocuments, few_documents
from ragtune.principal import Principal

EMPLOYEE = Principal("sam", frozenset({"support"}))


def _few(db: Database, principal: Principal, options: SearchOptions) -> FewDocuments | None:
    with db.reading(principal) as conn:
        return few_documents(conn, get_collection(conn, options.collection), options)


def test_exact_scan_only_for_a_small_share_of_the_collection(sample_db: Database) -> None:
    # The employee reads 27 of the sample's 29 documents: HNSW serves that. Narrowed to one
    # source, the readable chunks are a small share and get scanned exactly.
    assert _few(sample_db, EMPLOYEE, SearchOptions()) is None
    everything = _few(sample_db, EMPLOYEE, SearchOptions(exact_fraction=1.0))
    assert everything is not None and len(everything.ids) >= 20
    one_file = _few(sample_db, EMPLOYEE, SearchOptions(sources=["policies/paid-time-off.md"]))
    assert one_file is not None and len(one_file.ids) == 1 and one_file.chunks >= 1
    assert _few(sample_db, EMPLOYEE, SearchOptions(exact_fraction=0.0)) is None
    assert _few(sample_db, EMPLOYEE, SearchOptions(exact_docs=0, exact_fraction=1.0)) is None
