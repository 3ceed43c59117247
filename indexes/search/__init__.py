"""Hybrid search in one SQL statement: HNSW cosine + full-text, fused by weight (or by
reciprocal rank), then the top rows re-ranked by exact-answer features.

The fused top ``rerank_depth`` rows are re-ordered in Python by what a cosine cannot see: the
identifier the question names at the head of a section, a heading that names the asked topic,
a passage that answers rather than asks (indexes/search/features.py, indexes/rerank.py).

Runs on the app pool as the caller's principal, so row-level security decides which chunks
exist for this query; pgvector's iterative index scan (relaxed order, re-sorted after) keeps a
filtered query returning k rows instead of the few that survive a plain HNSW probe. When the
principal (or a source filter) leaves only a few documents, both sides search just their
chunks and the vector side is exact (see ``few_documents``).

The full-text side finds its candidates through the GIN index with the query's rarer words
only (see ``pick_lexemes``) and ranks them with every query word. Both steps run inside
``ragtune_text_candidates`` (indexes/schema/0006_text_search.sql): under row-level security
PostgreSQL may not use the GIN index for the app role, so every text query read the whole
collection. Two small statements before the search (which documents are readable, when few;
how common each query word is) decide its shape.

The query is embedded on a worker thread while the database does everything that does not
need the vector: checkout, principal, those two probes and, in hybrid mode, the full-text
candidates. Only the vector side and the fusion wait for the embedding, so a hybrid search
costs about max(embedding, full-text side) + vector side instead of their sum.

The parts: options.py (tunables and checks), results.py (the JSON records), scope.py (the
few-documents probe), lexemes.py (the full-text words), statements.py (the SQL), prepare.py
(everything before the final statement) and embedding.py (the query-embedding worker).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from indexes.collections import Collection, get_collection
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search.alongside import vector_side
from indexes.search.embedding import QueryEmbedding, embeddable
from indexes.search.features import WEIGHTS
from indexes.search.options import SearchOptions, check_query
from indexes.search.prepare import prepare, search_settings
from indexes.search.reorder import answer_rerank
from indexes.search.results import SearchResponse, SearchResult
from indexes.sentence_vectors import best_similarity, stored_sentences
from ragtune.errors import ModelMismatchError
from ragtune.principal import Principal


def search(
    db: Database,
    embedder: Embedder,
    query: str,
    principal: Principal,
    options: SearchOptions,
) -> SearchResponse:
    """Top ``options.k`` chunks for ``query`` that ``principal`` may read.

    ``timings_ms``: ``embed`` (the query embedding itself), ``wait`` (how long the database
    work waited for it), ``db`` (database work, waiting excluded) and ``total``.
    """
    text = check_query(query, options)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    pending = (
        QueryEmbedding(embedder, embeddable(text), timings) if options.mode != "text" else None
    )

    def query_vector() -> np.ndarray | None:
        return pending.vector() if pending is not None else None

    allowed = principal.effective_groups
    if options.groups is not None:
        allowed = allowed & options.groups
    alongside = None
    if pending is not None and options.mode == "hybrid":
        embedded = pending
        alongside = vector_side(
            db,
            principal,
            allowed,
            lambda: embedded.vector(record=False),
            search_settings(options),
        )
    with db.reading(principal, narrow_to=allowed) as conn:
        collection = get_collection(conn, options.collection)
        if pending is not None:
            _check_model(collection, embedder)
        statement, params = prepare(conn, collection, text, query_vector, options, alongside)
        rows = conn.execute(statement, params).fetchall()
        response = _response(text, rows, timings)
        reranking = len(response.results) > options.k or (
            options.rerank_depth and options.mode != "text"
        )
        if reranking and options.sentence_weight and pending is not None and response.results:
            stored = stored_sentences(conn, [r.chunk_id for r in response.results])
            # The statement above already waited for the vector: no second wait to record.
            response.sentence_similarity = best_similarity(
                pending.vector(record=False), stored, response.similarity
            )
    if reranking:
        weights = dict(options.feature_weights) if options.feature_weights is not None else WEIGHTS
        response = answer_rerank(response, options.k, weights, options.sentence_weight)
    timings["total"] = (time.perf_counter() - started) * 1000
    timings["db"] = timings["total"] - timings.get("wait", 0.0)
    return response


def _check_model(collection: Collection, embedder: Embedder) -> None:
    """Refuse a vector search whose query would be embedded by another model than the chunks."""
    if (collection.embed_model, collection.embed_dim) != (embedder.name, embedder.dim):
        raise ModelMismatchError(
            f"Collection {collection.name!r} was embedded with {collection.embed_model}, "
            f"but the configured model is {embedder.name}",
            hint=f"run `ragtune reindex --collection {collection.name}`, or set "
            f"RAGTUNE_EMBED_MODEL={collection.embed_model}",
        )


def _response(text: str, rows: list[Any], timings: dict[str, float]) -> SearchResponse:
    """The final statement's rows as ranked results, with each result's cosine similarity."""
    results = [
        SearchResult(rank, float(row[0]), *row[1:-1]) for rank, row in enumerate(rows, start=1)
    ]
    similarity = {row[1]: float(row[-1]) for row in rows if row[-1] is not None}
    return SearchResponse(text, results, timings, similarity)
