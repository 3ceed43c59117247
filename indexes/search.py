"""Hybrid search in one SQL statement: HNSW cosine + full-text, fused by reciprocal rank.

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
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import psycopg
from psycopg import sql

from indexes.collections import Collection, get_collection, index_predicate, vector_expression
from indexes.database import Database
from indexes.embeddings import Embedder, single_threaded_inference
from ragtune.errors import InputError, ModelMismatchError
from ragtune.principal import Principal
from ragtune.settings import Settings

Mode = Literal["hybrid", "vector", "text"]
MODES: tuple[Mode, ...] = ("hybrid", "vector", "text")
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class SearchResult:
    """One retrieved chunk, in the JSON shape that search, the agent and the API share."""

    rank: int
    score: float
    chunk_id: str
    document_id: str
    source: str
    title: str
    section: str
    page: int | None
    start_char: int
    end_char: int
    text: str


@dataclass
class SearchResponse:
    """The query and its ranked results."""

    query: str
    results: list[SearchResult]
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Cosine of the query vector and each result's stored vector, by chunk id (vector and
    # hybrid modes; empty in text mode). Not part of the public JSON.
    similarity: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The public ``--json`` shape (timings are not part of it)."""
        return {"query": self.query, "results": [asdict(r) for r in self.results]}


@dataclass(frozen=True)
class SearchOptions:
    """Tunables of one search; see docs/configuration.md."""

    collection: str = "default"
    k: int = 5
    mode: Mode = "hybrid"
    candidates: int = 40
    ef_search: int = 100
    rrf_k: int = 60
    # Requested narrowing by the caller; always intersected with the principal's own groups.
    groups: frozenset[str] | None = None
    sources: Sequence[str] | None = None
    # About how many chunks the full-text side may fetch and rank (see pick_lexemes). Ranking
    # costs 10-20 us a chunk on 2 cores, so 500 keeps that side near 10 ms at any collection
    # size; 500 and 1000 found the right 18F page equally often (bench/search_latency.py).
    text_budget: int = 500
    # When the principal may read fewer than exact_docs documents of the collection (within
    # `sources`) holding at most exact_chunks chunks, and those are at most exact_fraction of
    # the collection's chunks, both sides search only their chunks and the vector side is
    # exact (see few_documents).
    exact_docs: int = 500
    exact_chunks: int = 3000
    exact_fraction: float = 0.05


def search_options(settings: Settings, **overrides: Any) -> SearchOptions:
    """The configured search tunables, with per-call ``overrides`` (k, mode, collection...)."""
    base: dict[str, Any] = {
        "collection": settings.collection,
        "k": settings.search_k,
        "candidates": settings.search_candidates,
        "ef_search": settings.hnsw_ef_search,
        "rrf_k": settings.rrf_k,
        "text_budget": settings.search_text_budget,
        "exact_docs": settings.search_exact_docs,
        "exact_chunks": settings.search_exact_chunks,
        "exact_fraction": settings.search_exact_fraction,
    }
    return SearchOptions(**(base | overrides))


@dataclass(frozen=True)
class FewDocuments:
    """The few documents a search may return chunks from, and how many chunks they hold."""

    ids: list[uuid.UUID]
    chunks: int


_VECTOR_APPROXIMATE = """
vec_raw AS MATERIALIZED (
    SELECT c.id, {vexpr} <=> %(qvec)s::vector({dim}) AS distance
    FROM chunks c
    WHERE {predicate} {source_filter}
    ORDER BY {vexpr} <=> %(qvec)s::vector({dim})
    LIMIT %(candidates)s
)"""

# "+ 0" makes the order an expression the HNSW index cannot serve: an exact scan of the few
# documents' chunks, found through chunks_document_idx.
_VECTOR_EXACT = """
vec_raw AS MATERIALIZED (
    SELECT c.id, {vexpr} <=> %(qvec)s::vector({dim}) AS distance
    FROM chunks c
    WHERE {predicate} AND c.document_id = ANY(%(doc_ids)s::uuid[])
    ORDER BY ({vexpr} <=> %(qvec)s::vector({dim})) + 0, c.id
    LIMIT %(candidates)s
)"""

_VECTOR_RANKS = """
vec AS (
    SELECT id, 1 - distance AS sim, row_number() OVER (ORDER BY distance, id) AS r FROM vec_raw
)"""

# The full-text side runs first, in its own statement: in hybrid mode while the query is
# still being embedded. Its ranked ids go to the final statement (same transaction, same
# principal). The match (%(tmatch)s, from pick_lexemes) finds the candidates through the GIN
# index; the rank uses every query word, OR-ed, so a chunk holding more of them ranks higher.
_TEXT_FIRST = """
SELECT m.id, m.rank_score
FROM ragtune_text_candidates(
    {cid}, %(tmatch)s::tsquery,
    replace(plainto_tsquery('english', %(qtext)s)::text, ' & ', ' | ')::tsquery,
    {doc_ids}, %(candidates)s) AS m
ORDER BY m.rank_score DESC, m.id"""

_TEXT_GIVEN = """
txt AS (
    SELECT t.id, t.rank_score, t.r
    FROM unnest(%(txt_ids)s::uuid[], %(txt_scores)s::real[]) WITH ORDINALITY AS t(id, rank_score, r)
)"""

_FUSE = {
    "hybrid": """fused AS MATERIALIZED (
    SELECT coalesce(vec.id, txt.id) AS id,
           coalesce(1.0 / (%(rrf_k)s + vec.r), 0) + coalesce(1.0 / (%(rrf_k)s + txt.r), 0) AS score
    FROM vec FULL OUTER JOIN txt ON vec.id = txt.id
)""",
    "vector": "fused AS (SELECT id, sim AS score FROM vec)",
    "text": "fused AS (SELECT id, rank_score AS score FROM txt)",
}

_SELECT = """
SELECT f.score, c.id::text, c.document_id::text, d.source, d.title, c.section, c.page,
       c.start_char, c.end_char, c.text, {similarity}
FROM fused f
JOIN chunks c ON c.id = f.id
JOIN documents d ON d.id = c.document_id
ORDER BY f.score DESC, c.id
LIMIT %(k)s"""

_FREQUENCIES = "SELECT lexeme, frequency, collection_rows FROM ragtune_lexeme_frequencies(%s, %s)"
_EXCEEDS = "SELECT ragtune_collection_exceeds(%s, %s)"
_DOCUMENTS = "SELECT id, n_chunks FROM documents WHERE collection_id = %(cid)s"
_DOCUMENTS_IN_SOURCES = _DOCUMENTS + " AND source = ANY(%(sources)s)"


def _doc_ids(collection: Collection, with_sources: bool, exact: bool) -> sql.Composable:
    """The documents the full-text side is limited to (NULL: all the principal may read)."""
    if exact:
        return sql.SQL("%(doc_ids)s::uuid[]")
    if with_sources:
        return sql.SQL(
            "(SELECT array_agg(id) FROM documents WHERE collection_id = {} "
            "AND source = ANY(%(sources)s))"
        ).format(sql.Literal(int(collection.id)))
    return sql.SQL("NULL::uuid[]")


def text_first_query(collection: Collection, with_sources: bool, exact: bool) -> sql.Composed:
    """The full-text candidates, ranked, as their own statement (run before the query vector
    is needed; see the module docstring)."""
    return sql.SQL(_TEXT_FIRST).format(
        cid=sql.Literal(int(collection.id)), doc_ids=_doc_ids(collection, with_sources, exact)
    )


def build_query(
    collection: Collection,
    mode: Mode,
    with_sources: bool,
    exact: bool = False,
) -> sql.Composed:
    """The final SQL for one mode; every value is a bound parameter except the collection's
    own id and dimension (integers from the database) that must be literals for the partial
    HNSW index to match at plan time. ``exact``: the vector side scans the chunks of the
    documents in ``%(doc_ids)s`` (see few_documents) without HNSW. The full-text ranks come
    in ``%(txt_ids)s``/``%(txt_scores)s`` (from text_first_query)."""
    source_filter = sql.SQL(
        "AND c.document_id IN (SELECT id FROM documents WHERE source = ANY(%(sources)s))"
        if with_sources
        else ""
    )
    parts = []
    if mode in ("hybrid", "vector"):
        parts += [_VECTOR_EXACT if exact else _VECTOR_APPROXIMATE, _VECTOR_RANKS]
    if mode in ("hybrid", "text"):
        parts.append(_TEXT_GIVEN)
    parts.append(_FUSE[mode])
    template = "WITH " + ",\n".join(parts) + _SELECT
    vexpr, dim = vector_expression(collection), sql.Literal(int(collection.embed_dim))
    similarity = sql.SQL(
        "1 - ({vexpr} <=> %(qvec)s::vector({dim}))" if mode != "text" else "NULL::float8"
    ).format(vexpr=vexpr, dim=dim)
    return sql.SQL(template).format(
        similarity=similarity,
        vexpr=vexpr,
        dim=dim,
        predicate=index_predicate(collection),
        source_filter=source_filter,
    )


def few_documents(
    conn: psycopg.Connection, collection: Collection, options: SearchOptions
) -> FewDocuments | None:
    """The documents the connection's principal may read in the collection (and in
    ``options.sources``) when they are few enough to search exhaustively; else None.

    A principal who may read 1% of a collection makes an HNSW scan step over ~99 unreadable
    neighbours for each readable one (70 ms at 100k chunks, measured), and leaves the
    full-text statistics describing rows it cannot see. Reading a few documents' chunks
    takes about 10 us a chunk and is exact. The probe reads at most ``exact_docs`` rows;
    when they are few, one more statement checks that they are at most ``exact_fraction`` of
    the collection (HNSW serves a principal who reads most of it faster).
    """
    if options.exact_docs == 0 or options.exact_fraction == 0:
        return None
    statement = _DOCUMENTS_IN_SOURCES if options.sources is not None else _DOCUMENTS
    rows = conn.execute(
        statement + " LIMIT %(limit)s",
        {"cid": collection.id, "sources": list(options.sources or []), "limit": options.exact_docs},
    ).fetchall()
    chunks = sum(n for _, n in rows)
    if len(rows) >= options.exact_docs or chunks > options.exact_chunks:
        return None
    if options.exact_fraction < 1:
        at_least = math.ceil(chunks / options.exact_fraction)
        row = conn.execute(_EXCEEDS, (collection.id, at_least - 1)).fetchone()
        if row is None or not row[0]:
            return None
    return FewDocuments([doc_id for doc_id, _ in rows], chunks)


def pick_lexemes(estimates: Sequence[tuple[str, float | None]], budget: int) -> list[str]:
    """The query words that find full-text candidates: rarest first, while their estimated
    chunk counts add up to at most ``budget``, and always at least the rarest one.

    ``estimates`` pairs each query lexeme with the chunks it is estimated to occur in; None
    means it is not among the collection's most common lexemes, so it is rare and always
    kept. Every chunk holding all the query words still matches (it holds the rarest one);
    what is left out are chunks that share only common words with the query, which an OR
    query would otherwise make the database fetch and rank by the ten thousand.
    """
    ordered = sorted(estimates, key=lambda e: (e[1] or 0.0, e[0]))
    picked: list[str] = []
    total = 0.0
    for lexeme, rows in ordered:
        rows = rows or 0.0
        if picked and total + rows > budget:
            break
        picked.append(lexeme)
        total += rows
    return picked


def tsquery_text(lexemes: Sequence[str]) -> str:
    """``lexemes`` OR-ed as tsquery input, each quoted so that no character is an operator."""
    quoted = ("'" + lx.replace("\\", "\\\\").replace("'", "''") + "'" for lx in lexemes)
    return " | ".join(quoted)


def _text_match(
    conn: psycopg.Connection,
    collection: Collection,
    text: str,
    few: FewDocuments | None,
    budget: int,
) -> str:
    """The tsquery that finds full-text candidates (see pick_lexemes): word frequencies from
    the statistics, applied to the chunks this search can reach."""
    rows = conn.execute(_FREQUENCIES, (collection.id, text)).fetchall()
    estimates = []
    for lexeme, frequency, collection_rows in rows:
        reachable = few.chunks if few is not None else collection_rows
        estimates.append((lexeme, None if frequency is None else frequency * reachable))
    return tsquery_text(pick_lexemes(estimates, budget))


QueryVector = Callable[[], np.ndarray | None]


def prepare(
    conn: psycopg.Connection,
    collection: Collection,
    text: str,
    query_vector: QueryVector,
    options: SearchOptions,
) -> tuple[sql.Composed, dict[str, Any]]:
    """Run everything before the final search statement; return it and its parameters
    (benchmarks EXPLAIN the same pair).

    Sets pgvector's ef_search and iterative scans for this transaction, probes whether the
    principal reads few documents (few_documents), and in text and hybrid modes picks the
    words that find full-text candidates and fetches them. ``query_vector`` is called once,
    after all that, so an embedding still being computed overlaps it.
    """
    candidates = max(options.candidates, options.k)
    conn.execute(
        "SELECT set_config('hnsw.ef_search', %s, true),"
        " set_config('hnsw.iterative_scan', 'relaxed_order', true)",
        (str(max(options.ef_search, candidates)),),
    )
    few = few_documents(conn, collection, options)
    tmatch = None
    if options.mode != "vector":
        tmatch = _text_match(conn, collection, text, few, options.text_budget)
    with_sources, exact = options.sources is not None, few is not None
    params: dict[str, Any] = {
        "qtext": text,
        "tmatch": tmatch,
        "doc_ids": few.ids if few is not None else None,
        "candidates": candidates,
        "rrf_k": options.rrf_k,
        "k": options.k,
        "sources": list(options.sources or []),
    }
    if options.mode != "vector":
        ranked = conn.execute(text_first_query(collection, with_sources, exact), params).fetchall()
        params["txt_ids"] = [row[0] for row in ranked]
        params["txt_scores"] = [row[1] for row in ranked]
    params["qvec"] = query_vector()
    statement = build_query(collection, options.mode, with_sources, exact)
    return statement, params


def _check(query: str, options: SearchOptions) -> str:
    text = query.strip()
    if not text:
        raise InputError("The search query is empty", hint="pass some words to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(
            f"The search query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}",
            hint="shorten the query",
        )
    if options.mode not in MODES:
        raise InputError(f"Unknown search mode {options.mode!r}", hint=f"use one of {MODES}")
    if not 1 <= options.k <= 100:
        raise InputError(f"k must be between 1 and 100, got {options.k}")
    if options.text_budget < 0 or options.exact_docs < 0 or options.exact_chunks < 0:
        raise InputError("text_budget, exact_docs and exact_chunks must not be negative")
    if not 0 <= options.exact_fraction <= 1:
        raise InputError(f"exact_fraction must be between 0 and 1, got {options.exact_fraction}")
    return text


# One single-threaded worker: query embeddings queue here instead of running several at once
# on the same model, and each leaves the other cores to the database (see
# single_threaded_inference). Throughput is about one query per 15-20 ms per process.
_QUERY_EMBEDDING = ThreadPoolExecutor(
    max_workers=1,
    thread_name_prefix="ragtune-query-embed",
    initializer=single_threaded_inference,
)


def _embed_timed(embedder: Embedder, text: str) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    vector = embedder.embed([text])[0]
    return vector, (time.perf_counter() - started) * 1000


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
    text = _check(query, options)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    pending = None
    if options.mode != "text":
        pending = _QUERY_EMBEDDING.submit(_embed_timed, embedder, text)

    def query_vector() -> np.ndarray | None:
        if pending is None:
            return None
        waiting = time.perf_counter()
        vector, timings["embed"] = pending.result()
        timings["wait"] = (time.perf_counter() - waiting) * 1000
        return vector

    allowed = principal.effective_groups
    if options.groups is not None:
        allowed = allowed & options.groups
    with db.reading(principal, narrow_to=allowed) as conn:
        collection = get_collection(conn, options.collection)
        if pending is not None and (collection.embed_model, collection.embed_dim) != (
            embedder.name,
            embedder.dim,
        ):
            raise ModelMismatchError(
                f"Collection {collection.name!r} was embedded with {collection.embed_model}, "
                f"but the configured model is {embedder.name}",
                hint=f"run `ragtune reindex --collection {collection.name}`, or set "
                f"RAGTUNE_EMBED_MODEL={collection.embed_model}",
            )
        statement, params = prepare(conn, collection, text, query_vector, options)
        rows = conn.execute(statement, params).fetchall()
    timings["total"] = (time.perf_counter() - started) * 1000
    timings["db"] = timings["total"] - timings.get("wait", 0.0)
    results = [
        SearchResult(rank, float(row[0]), *row[1:-1]) for rank, row in enumerate(rows, start=1)
    ]
    similarity = {row[1]: float(row[-1]) for row in rows if row[-1] is not None}
    return SearchResponse(text, results, timings, similarity)
