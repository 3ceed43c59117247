"""The timed part of the search benchmark: per principal and mode, search() latency
percentiles, HNSW recall@10 against exact search in numpy, the plans, and what-if settings.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from psycopg import sql

from bench.results import percentile
from bench.search_corpus import COLLECTION, Corpus
from indexes.collections import get_collection
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.options import MODES, SearchOptions
from indexes.search.prepare import prepare
from ragtune.principal import Principal

# Three principals over the same rows. Every chunk's document carries exactly one tag:
# 1% "everyone", 10% "restricted", 89% "staff".
PRINCIPALS: dict[str, tuple[Principal, str]] = {
    "all (100%)": (
        Principal("bench-admin", frozenset({"staff", "restricted"})),
        "reads every chunk",
    ),
    "90% (10% restricted)": (Principal("bench-staff", frozenset({"staff"})), "lacks 'restricted'"),
    "1%": (Principal("bench-guest"), "reads only chunks tagged 'everyone'"),
}


class FixedVectors:
    """An Embedder that returns precomputed query vectors: the DB-only recall pass uses it so
    every query is not embedded again."""

    def __init__(self, real: Embedder, table: dict[str, np.ndarray]) -> None:
        self.name, self.dim = real.name, real.dim
        self._real, self._table = real, table

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._table[t] for t in texts])

    def count_tokens(self, text: str) -> int:
        return self._real.count_tokens(text)


def latencies(
    db: Database, embedder: Embedder, queries: list[str], principal: Principal, mode: str
) -> dict[str, float]:
    """Percentiles of search() end to end, and of its db, embed and wait timings, one query
    after another as ``principal`` in ``mode``."""
    total, db_ms, embed_ms, wait_ms = [], [], [], []
    for query in queries:
        started = time.perf_counter()
        options = SearchOptions(collection=COLLECTION, mode=mode)  # type: ignore[arg-type]
        response = search(db, embedder, query, principal, options)
        total.append((time.perf_counter() - started) * 1000)
        db_ms.append(response.timings_ms["db"])
        embed_ms.append(response.timings_ms.get("embed", 0.0))
        wait_ms.append(response.timings_ms.get("wait", 0.0))
    return {
        "p50_ms": percentile(total, 50),
        "p95_ms": percentile(total, 95),
        "mean_ms": float(np.mean(total)),
        "db_p50_ms": percentile(db_ms, 50),
        "db_p95_ms": percentile(db_ms, 95),
        "embed_p50_ms": percentile(embed_ms, 50),
        "embed_p95_ms": percentile(embed_ms, 95),
        "wait_p50_ms": percentile(wait_ms, 50),
        "wait_p95_ms": percentile(wait_ms, 95),
    }


def recall(
    db: Database,
    fixed: FixedVectors,
    corpus: Corpus,
    queries: list[str],
    qvecs: np.ndarray,
    principal: Principal,
    readable: np.ndarray,
    ef_search: int,
    k: int = 10,
    exact_docs: int = SearchOptions.exact_docs,
) -> dict[str, float]:
    """Mean recall@k of search(mode='vector') against exact cosine top-k over readable rows.

    Re-ranking is off (rerank_depth 0), so this is the index's recall, not the re-rank's
    reordering of it. ``exact_docs=0`` measures HNSW even where search() would scan a few
    documents exactly."""
    index_of = {cid: i for i, cid in enumerate(corpus.ids)}
    rows = np.flatnonzero(readable)
    sims_all = corpus.vectors[rows] @ qvecs.T  # (readable, queries)
    recalls, returned = [], []
    for j, query in enumerate(queries):
        exact = rows[np.argsort(-sims_all[:, j], kind="stable")[:k]]
        got = search(
            db,
            fixed,
            query,
            principal,
            SearchOptions(
                collection=COLLECTION,
                mode="vector",
                k=k,
                ef_search=ef_search,
                exact_docs=exact_docs,
                rerank_depth=0,
            ),
        )
        found = {index_of[uuid.UUID(r.chunk_id)] for r in got.results}
        returned.append(len(got.results))
        recalls.append(len(found & set(exact.tolist())) / min(k, len(rows)))
    return {
        "recall_at_10": float(np.mean(recalls)),
        "min_recall_at_10": float(np.min(recalls)),
        "mean_results_returned": float(np.mean(returned)),
    }


def explain(
    db: Database, embedder: Embedder, query: str, principal: Principal, mode: str
) -> list[str]:
    """EXPLAIN ANALYZE of the exact statement search() runs, as the principal."""
    qvec = embedder.embed([query])[0]
    options = SearchOptions(collection=COLLECTION, mode=mode)  # type: ignore[arg-type]
    with db.reading(principal) as conn:
        collection = get_collection(conn, COLLECTION)
        statement, params = prepare(conn, collection, query, lambda: qvec, options)
        explain = sql.SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ") + statement
        rows = conn.execute(explain, params).fetchall()
    return [r[0] for r in rows]


# What-if settings of the same search, timed on the same rows (DB only, the word-statistics
# lookup included) and interleaved per query, to show what each part of the design buys.
VARIANT_QUERIES = 40
VARIANTS: dict[str, dict[str, int]] = {
    # The unchanged search again: how much top-5 agreement run-to-run noise alone gives.
    "current (again)": {},
    "every query word finds text candidates (no text budget)": {"text_budget": 10**9},
    "text_budget 2000": {"text_budget": 2000},
    "text_budget 1000": {"text_budget": 1000},
    "text_budget 250": {"text_budget": 250},
    "HNSW only (no exact scan for few readable documents)": {"exact_docs": 0},
}


def _constant(qvec: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: qvec


def time_variants(
    db: Database, queries: list[str], qvecs: np.ndarray, principal: Principal, mode: str
) -> dict[str, Any]:
    """DB time of search()'s statement and of each VARIANTS setting, interleaved per query,
    and how many of each variant's top-5 chunk ids the current settings also return."""
    settings = {"current": {}, **VARIANTS}
    times: dict[str, list[float]] = {name: [] for name in settings}
    overlap: dict[str, list[float]] = {name: [] for name in settings}
    for query, qvec in zip(queries, qvecs, strict=True):
        baseline: set[str] = set()
        for name, overrides in settings.items():
            options = SearchOptions(collection=COLLECTION, mode=mode, **overrides)  # type: ignore[arg-type]
            with db.reading(principal) as conn:
                collection = get_collection(conn, COLLECTION)
                started = time.perf_counter()
                statement, params = prepare(conn, collection, query, _constant(qvec), options)
                rows = conn.execute(statement, params).fetchall()
                times[name].append((time.perf_counter() - started) * 1000)
            ids = {r[1] for r in rows}
            baseline = ids if name == "current" else baseline
            shared = len(ids & baseline) / len(baseline) if baseline else float(not ids)
            overlap[name].append(shared)
    return {
        name: {
            "db_p50_ms": percentile(t, 50),
            "db_p95_ms": percentile(t, 95),
            "top5_overlap_with_current": float(np.mean(overlap[name])),
        }
        for name, t in times.items()
    }


def measure(
    db: Database,
    embedder: Embedder,
    corpus: Corpus,
    queries: list[str],
    qvecs: np.ndarray,
    ef_values: Sequence[int],
    *,
    variants: bool,
) -> dict[str, Any]:
    """Latency per principal and mode, recall per ef_search, plans, and (``variants``) the
    what-if settings, over the rows of ``corpus`` as they are in the database now."""
    fixed = FixedVectors(embedder, dict(zip(queries, qvecs, strict=True)))
    for mode in MODES:  # warm caches and the pools before timing
        latencies(db, embedder, queries[:10], PRINCIPALS["all (100%)"][0], mode)
    out: dict[str, Any] = {"n_chunks": len(corpus.ids), "n_real": corpus.n_real, "principals": {}}
    for label, (principal, note) in PRINCIPALS.items():
        groups = principal.effective_groups
        readable = np.array([t in groups for t in corpus.tags])
        entry: dict[str, Any] = {
            "note": note,
            "groups": sorted(principal.groups),
            "readable_fraction": float(readable.mean()),
            "readable_chunks": int(readable.sum()),
            "modes": {},
            "recall": {},
        }
        for mode in MODES:
            entry["modes"][mode] = latencies(db, embedder, queries, principal, mode)
            print(
                f"  {len(corpus.ids)} chunks, {label}, {mode}: "
                f"p50 {entry['modes'][mode]['p50_ms']:.1f} ms, "
                f"p95 {entry['modes'][mode]['p95_ms']:.1f} ms",
                file=sys.stderr,
            )
        for ef in ef_values:
            entry["recall"][f"ef_search={ef}"] = recall(
                db, fixed, corpus, queries, qvecs, principal, readable, ef
            )
        if readable.mean() < 0.05:  # search() scans these few documents exactly; HNSW alone:
            entry["recall"]["ef_search=40, HNSW only"] = recall(
                db, fixed, corpus, queries, qvecs, principal, readable, 40, exact_docs=0
            )
        out["principals"][label] = entry
    out["plans"] = {
        f"{label}/{mode}": explain(db, embedder, queries[0], PRINCIPALS[label][0], mode)
        for label in ("all (100%)", "1%")
        for mode in ("hybrid", "text")
    }
    if variants:
        out["variants"] = {
            f"{label}/{mode}": time_variants(
                db, queries[:VARIANT_QUERIES], qvecs[:VARIANT_QUERIES], PRINCIPALS[label][0], mode
            )
            for label in ("all (100%)", "1%")
            for mode in MODES
        }
    return out
