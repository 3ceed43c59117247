"""Everything a search runs before its final statement, while the query is being embedded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg
from psycopg import sql

from indexes.collections import Collection
from indexes.search.features import identifiers
from indexes.search.lexemes import text_match
from indexes.search.options import SearchOptions
from indexes.search.scope import few_documents
from indexes.search.statements import (
    IDENTIFIER_PHRASES,
    build_query,
    text_first_query,
    vector_first_query,
)

if TYPE_CHECKING:
    from indexes.search.alongside import VectorSide

QueryVector = Callable[[], np.ndarray | None]
# At most this many chunks naming the question's identifiers join the candidates: the
# sections about the code come first by their heading weight; more would crowd out the rest.
NAMED_ROWS = 10


_SETTINGS = (
    "SELECT set_config('hnsw.ef_search', %s, true),"
    " set_config('hnsw.iterative_scan', 'relaxed_order', true)"
)


def search_settings(options: SearchOptions) -> tuple[str, tuple[str]]:
    """The statement (and its parameters) that sets pgvector's ef_search and iterative scans
    for a search's transaction; every connection a search uses runs it."""
    candidates = max(options.candidates, options.k)
    return _SETTINGS, (str(max(options.ef_search, candidates)),)


def fetched_rows(options: SearchOptions) -> int:
    """Rows the final statement returns: ``k``, or the re-rank depth when re-ranking."""
    if options.mode == "text" or options.rerank_depth == 0:
        return options.k
    return max(options.k, options.rerank_depth)


def _named(
    conn: psycopg.Connection,
    collection: Collection,
    text: str,
    with_sources: bool,
    exact: bool,
    params: dict[str, Any],
    options: SearchOptions,
) -> list[Any]:
    """The chunks (id, full-text score) naming the question's identifiers as phrases, at most
    NAMED_ROWS; none when the question names none, re-ranking is off, or one side runs alone."""
    idents = identifiers(text)
    if not idents or options.rerank_depth == 0 or options.mode != "hybrid":
        return []
    row = conn.execute(IDENTIFIER_PHRASES, (idents,)).fetchone()
    if row is None or not row[0]:
        return []
    named_params = params | {"tmatch": row[0], "candidates": NAMED_ROWS}
    statement = text_first_query(collection, with_sources, exact)
    return list(conn.execute(statement, named_params).fetchall())


def prepare(
    conn: psycopg.Connection,
    collection: Collection,
    text: str,
    query_vector: QueryVector,
    options: SearchOptions,
    alongside: VectorSide | None = None,
) -> tuple[sql.Composed, dict[str, Any]]:
    """Run everything before the final search statement; return it and its parameters
    (benchmarks EXPLAIN the same pair).

    Sets pgvector's ef_search and iterative scans for this transaction, probes whether the
    principal reads few documents (few_documents), and in text and hybrid modes picks the
    words that find full-text candidates and fetches them. ``query_vector`` is called once,
    after all that, so an embedding still being computed overlaps it. In hybrid mode with
    ``alongside``, the vector side runs on a second connection meanwhile (alongside.py), and
    the final statement only fuses; without one free, the final statement searches it.
    """
    candidates = max(options.candidates, options.k)
    conn.execute(*search_settings(options))
    few = few_documents(conn, collection, options)
    with_sources, exact = options.sources is not None, few is not None
    params: dict[str, Any] = {
        "tmatch": None,
        "tlexemes": [],
        "tidfs": [],
        "doc_ids": few.ids if few is not None else None,
        "candidates": candidates,
        "rrf_k": options.rrf_k,
        "wv": options.vector_weight,
        "k": options.k,
        "limit": fetched_rows(options),
        "sources": list(options.sources or []),
    }
    # Started as soon as its path is known: the word probe below overlaps it too.
    vector_rows = None
    if alongside is not None and options.mode == "hybrid":
        vector_rows = alongside(vector_first_query(collection, with_sources, exact), dict(params))
    if options.mode != "vector":
        query = text_match(conn, collection, text, few, options.text_budget)
        params |= {"tmatch": query.match, "tlexemes": query.lexemes, "tidfs": query.idfs}
    ranked: list[Any] = []
    if options.mode != "vector":
        ranked = conn.execute(text_first_query(collection, with_sources, exact), params).fetchall()
    named = _named(conn, collection, text, with_sources, exact, params, options)
    params["named_ids"] = [row[0] for row in named]
    if named:
        seen = {row[0] for row in ranked}
        ranked = sorted([*ranked, *(r for r in named if r[0] not in seen)], key=lambda r: -r[1])
    params["txt_ids"] = [row[0] for row in ranked]
    params["txt_scores"] = [row[1] for row in ranked]
    params["qvec"] = query_vector()
    given = vector_rows.result() if vector_rows is not None else None
    if given is not None:
        params["vec_ids"] = [row[0] for row in given]
        params["vec_distances"] = [row[1] for row in given]
    statement = build_query(
        collection, options.mode, with_sources, exact, options.fusion, given is not None
    )
    return statement, params
