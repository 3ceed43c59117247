"""Hybrid search in one SQL statement: HNSW cosine + full-text, fused by reciprocal rank.

Runs on the app pool as the caller's principal, so row-level security decides which chunks
exist for this query; pgvector's iterative index scan (relaxed order, re-sorted after) keeps a
filtered query returning k rows instead of the few that survive a plain HNSW probe.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from psycopg import sql

from indexes.collections import Collection, get_collection, index_predicate, vector_expression
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.principal import Principal
from ragtune.errors import InputError, ModelMismatchError

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


_VECTOR_SIDE = """
vec_raw AS MATERIALIZED (
    SELECT c.id, {vexpr} <=> %(qvec)s::vector({dim}) AS distance
    FROM chunks c
    WHERE {predicate} {source_filter}
    ORDER BY {vexpr} <=> %(qvec)s::vector({dim})
    LIMIT %(candidates)s
),
vec AS (
    SELECT id, 1 - distance AS sim, row_number() OVER (ORDER BY distance) AS r FROM vec_raw
)"""

_TEXT_SIDE = """
tq AS (SELECT replace(plainto_tsquery('english', %(qtext)s)::text, ' & ', ' | ')::tsquery AS q),
txt AS (
    SELECT c.id, ts_rank_cd(c.tsv, tq.q, 1) AS rank_score,
           row_number() OVER (ORDER BY ts_rank_cd(c.tsv, tq.q, 1) DESC) AS r
    FROM chunks c, tq
    WHERE c.collection_id = {cid} AND c.tsv @@ tq.q {source_filter}
    ORDER BY rank_score DESC
    LIMIT %(candidates)s
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
       c.start_char, c.end_char, c.text
FROM fused f
JOIN chunks c ON c.id = f.id
JOIN documents d ON d.id = c.document_id
ORDER BY f.score DESC, c.id
LIMIT %(k)s"""


def build_query(collection: Collection, mode: Mode, with_sources: bool) -> sql.Composed:
    """The SQL for one mode; every value is a bound parameter except the collection's own
    id and dimension (integers from the database) that must be literals for the partial
    HNSW index to match at plan time."""
    source_filter = sql.SQL(
        "AND c.document_id IN (SELECT id FROM documents WHERE source = ANY(%(sources)s))"
        if with_sources
        else ""
    )
    parts = []
    if mode in ("hybrid", "vector"):
        parts.append(_VECTOR_SIDE)
    if mode in ("hybrid", "text"):
        parts.append(_TEXT_SIDE)
    parts.append(_FUSE[mode])
    template = "WITH " + ",\n".join(parts) + _SELECT
    return sql.SQL(template).format(
        vexpr=vector_expression(collection),
        dim=sql.Literal(int(collection.embed_dim)),
        cid=sql.Literal(int(collection.id)),
        predicate=index_predicate(collection),
        source_filter=source_filter,
    )


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
    return text


def search(
    db: Database,
    embedder: Embedder,
    query: str,
    principal: Principal,
    options: SearchOptions,
) -> SearchResponse:
    """Top ``options.k`` chunks for ``query`` that ``principal`` may read."""
    text = _check(query, options)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    qvec: np.ndarray | None = None
    if options.mode != "text":
        qvec = embedder.embed([text])[0]
        timings["embed"] = (time.perf_counter() - started) * 1000
    allowed = principal.effective_groups
    if options.groups is not None:
        allowed = allowed & options.groups
    candidates = max(options.candidates, options.k)
    db_started = time.perf_counter()
    with db.reading(principal, narrow_to=allowed) as conn:
        collection = get_collection(conn, options.collection)
        if qvec is not None and (collection.embed_model, collection.embed_dim) != (
            embedder.name,
            embedder.dim,
        ):
            raise ModelMismatchError(
                f"Collection {collection.name!r} was embedded with {collection.embed_model}, "
                f"but the configured model is {embedder.name}",
                hint=f"run `ragtune reindex --collection {collection.name}`, or set "
                f"RAGTUNE_EMBED_MODEL={collection.embed_model}",
            )
        conn.execute(
            "SELECT set_config('hnsw.ef_search', %s, true),"
            " set_config('hnsw.iterative_scan', 'relaxed_order', true)",
            (str(max(options.ef_search, candidates)),),
        )
        rows = conn.execute(
            build_query(collection, options.mode, options.sources is not None),
            {
                "qvec": qvec,
                "qtext": text,
                "candidates": candidates,
                "rrf_k": options.rrf_k,
                "k": options.k,
                "sources": list(options.sources or []),
            },
        ).fetchall()
    timings["db"] = (time.perf_counter() - db_started) * 1000
    results = [
        SearchResult(rank, float(row[0]), *row[1:]) for rank, row in enumerate(rows, start=1)
    ]
    timings["total"] = (time.perf_counter() - started) * 1000
    return SearchResponse(text, results, timings)
