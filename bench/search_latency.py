"""Search latency (p50/p95) at 10k and 100k chunks, with and without row-level permission
filters, in every mode; and HNSW recall@10 against exact search.

Rows are real handbook passages (1-3 sentences) embedded with the bundled model. The larger
size reuses those vectors with small Gaussian noise (re-normalised), because embedding 100k
passages on a laptop CPU takes hours; the JSON says how many rows are real. Rows are written
with COPY, straight into the tables ingest writes, and the HNSW index is built after the load.

    python -m bench.search_latency [--quick] [--vector-cache F.npz] [--compare-with CHECKOUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from psycopg import sql

from bench.fresh_database import fresh_database, server_facts
from bench.handbook import (
    HANDBOOK,
    QUESTIONS,
    Passage,
    handbook_or_none,
    passages,
    sentences_by_page,
)
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, percentile, publish
from indexes.collections import (
    Collection,
    create_vector_index,
    drop_vector_index,
    ensure_collection,
    get_collection,
)
from indexes.database import Database
from indexes.embeddings import Embedder, load_embedder
from indexes.search import search
from indexes.search.options import MODES, SearchOptions
from indexes.search.prepare import prepare
from indexes.sentence_vectors import pack
from ragtune.principal import EVERYONE, Principal

NAME = "search_latency"
COLLECTION = "bench"
SEED = 20240611
DOC_PASSAGES = 10  # passages per synthetic document: permissions are set per document
# Expected cosine between a noisy copy and its real vector: 1 / sqrt(1 + dim * sigma^2).
COPY_COSINE = 0.9
TARGET_P95_MS = 50.0
TARGET_RECALL = 0.95

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


@dataclass
class Corpus:
    """The rows of the benchmark collection, in memory, so exact search can run in numpy."""

    vectors: np.ndarray  # (n, dim), unit rows
    ids: list[uuid.UUID]
    tags: np.ndarray  # (n,) tag of each row's document
    n_real: int
    rows_docs: list[tuple[Any, ...]] = field(default_factory=list)


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


def _queries(held_out: list[Passage], n_questions: int) -> list[str]:
    lines = QUESTIONS.read_text().splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    return questions[:n_questions] + [p.text for p in held_out]


def _embed(embedder: Embedder, texts: list[str], desc: str) -> tuple[np.ndarray, float]:
    from tqdm import tqdm

    started = time.perf_counter()
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    batch = 256
    for i in tqdm(range(0, len(texts), batch), desc=desc, unit="batch", leave=False):
        out[i : i + batch] = embedder.embed(texts[i : i + batch])
    return out, time.perf_counter() - started


def _tag_documents(n_docs: int, rng: np.random.Generator) -> np.ndarray:
    """Exactly 1% of documents 'everyone', 10% 'restricted', the rest 'staff', shuffled."""
    tags = np.array(["staff"] * n_docs, dtype=object)
    order = rng.permutation(n_docs)
    n_everyone = max(1, round(n_docs * 0.01))
    n_restricted = max(1, round(n_docs * 0.10))
    tags[order[:n_everyone]] = EVERYONE
    tags[order[n_everyone : n_everyone + n_restricted]] = "restricted"
    return tags


# Sentence runs stored per synthetic chunk: the sample corpus averages about 1.6 runs a chunk
# and the handbook about 2.4 (indexes/sentence_vectors.py).
SYNTHETIC_RUNS = 2


def _synthetic_runs(vectors: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    """Packed run vectors for each chunk: its vector plus small noise, renormalised."""
    out = []
    for vector in vectors:
        noisy = vector + rng.normal(0, 0.02, size=(SYNTHETIC_RUNS, vector.shape[0]))
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        out.append(pack(noisy))
    return out


def _write_rows(
    db: Database,
    collection: Collection,
    batch_name: str,
    items: list[Passage],
    vectors: np.ndarray,
    rng: np.random.Generator,
) -> tuple[list[uuid.UUID], np.ndarray]:
    """COPY ``items`` as documents of DOC_PASSAGES passages each; return chunk ids and tags.

    Each chunk gets SYNTHETIC_RUNS sentence-run vectors (its vector with noise), so search
    reads as many bytes per candidate as it does for ingested chunks."""
    runs = _synthetic_runs(vectors, rng)
    n_docs = (len(items) + DOC_PASSAGES - 1) // DOC_PASSAGES
    doc_tags = _tag_documents(n_docs, rng)
    doc_ids = [uuid.uuid4() for _ in range(n_docs)]
    chunk_ids = [uuid.uuid4() for _ in items]
    tags = np.array([doc_tags[i // DOC_PASSAGES] for i in range(len(items))], dtype=object)
    with db.administering() as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY documents (id, collection_id, path, source, title, format, content_hash,"
            " byte_size, n_chunks, allowed_groups) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                ["uuid", "int4", "text", "text", "text", "text", "text", "int8", "int4", "text[]"]
            )
            for d in range(n_docs):
                members = items[d * DOC_PASSAGES : (d + 1) * DOC_PASSAGES]
                body = "\n\n".join(p.text for p in members)
                copy.write_row(
                    (
                        doc_ids[d],
                        collection.id,
                        f"/bench/{batch_name}/{d:06d}/{members[0].source}",
                        members[0].source,
                        members[0].title,
                        "markdown",
                        hashlib.sha256(body.encode()).hexdigest(),
                        len(body.encode()),
                        len(members),
                        [str(doc_tags[d])],
                    )
                )
        with cur.copy(
            "COPY chunks (id, document_id, collection_id, ordinal, section, page, start_char,"
            " end_char, text, text_hash, allowed_groups, embedding, sentence_vectors)"
            " FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                [
                    "uuid",
                    "uuid",
                    "int4",
                    "int4",
                    "text",
                    "int4",
                    "int4",
                    "int4",
                    "text",
                    "text",
                    "text[]",
                    "vector",
                    "bytea",
                ]
            )
            offset = 0
            for i, (passage, vector) in enumerate(zip(items, vectors, strict=True)):
                ordinal = i % DOC_PASSAGES
                offset = 0 if ordinal == 0 else offset
                copy.write_row(
                    (
                        chunk_ids[i],
                        doc_ids[i // DOC_PASSAGES],
                        collection.id,
                        ordinal,
                        "",
                        None,
                        offset,
                        offset + len(passage.text),
                        passage.text,
                        passage.text_hash,
                        [str(tags[i])],
                        vector,
                        runs[i],
                    )
                )
                offset += len(passage.text) + 2
    return chunk_ids, tags


def _build_index(db: Database, collection: Collection) -> tuple[float, float]:
    """(Re)build the HNSW index after a bulk load, then VACUUM ANALYZE; return both durations.

    Bigger maintenance memory keeps the graph in memory while it is built, as an operator
    would set it for a bulk load.
    """
    started = time.perf_counter()
    with db.administering() as conn:
        conn.execute("SET LOCAL maintenance_work_mem = '2GB'")
        drop_vector_index(conn, collection)
        create_vector_index(conn, collection)
    built = time.perf_counter()
    with db.admin.connection() as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE chunks")
        conn.execute("VACUUM ANALYZE documents")
        conn.autocommit = False
    return built - started, time.perf_counter() - built


def _noisy_copies(
    vectors: np.ndarray, copies: int, rng: np.random.Generator
) -> tuple[np.ndarray, float, float]:
    """``copies`` noisy replicas of ``vectors``, the noise sigma, and the mean cosine to source."""
    dim = vectors.shape[1]
    sigma = float(np.sqrt((1 / COPY_COSINE**2 - 1) / dim))
    # Whole replicas of the corpus, so each copied document keeps its passages together.
    base = np.tile(vectors, (copies, 1))
    noisy = base + rng.normal(0.0, sigma, size=base.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy.astype(np.float32), sigma, float(np.mean(np.sum(noisy * base, axis=1)))


def _copy_texts(
    real: list[Passage], copies: int, extra: int, root: Path, rng: np.random.Generator
) -> list[Passage]:
    """Texts for the noisy copies, in the order of _noisy_copies: each real passage plus one
    random handbook sentence, so full-text ranks do not tie across copies."""
    sentences = [s for _, _, page in sentences_by_page(root) for s in page]
    picks = rng.integers(0, len(sentences), size=extra)
    out = []
    for i in range(extra):
        source = real[i % len(real)]
        out.append(Passage(source.source, source.title, f"{source.text} {sentences[picks[i]]}"))
    return out


def _latencies(
    db: Database, embedder: Embedder, queries: list[str], principal: Principal, mode: str
) -> dict[str, float]:
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


def _recall(
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


def _explain(
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


def _variants(
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


def load_search_module(checkout: Path) -> Any:
    """``indexes/search.py`` of another checkout (e.g. ``git archive`` of an older commit),
    imported under its own name so it runs next to this one on the same database."""
    import importlib.util

    path = checkout / "indexes" / "search.py"
    spec = importlib.util.spec_from_file_location("search_before", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--compare-with: no indexes/search.py under {checkout}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["search_before"] = module  # dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def _before_after(
    db: Database,
    embedder: Embedder,
    queries: list[str],
    golds: list[str | None],
    before: Any,
) -> dict[str, Any]:
    """Every query through ``before.search`` and this checkout's search(), interleaved query by
    query (alternating which goes first) so both see the same machine load: end-to-end and DB
    latency, top-5 agreement, and for the handbook questions whether the page the question
    was written from is among the top 5."""
    out: dict[str, Any] = {}
    for label, (principal, _) in PRINCIPALS.items():
        for mode in MODES:
            total: dict[str, list[float]] = {"before": [], "after": []}
            db_ms: dict[str, list[float]] = {"before": [], "after": []}
            hits: dict[str, list[bool]] = {"before": [], "after": []}
            overlap = []
            for j, (query, gold) in enumerate(zip(queries, golds, strict=True)):
                ids: dict[str, set[str]] = {}
                for side in ("before", "after") if j % 2 == 0 else ("after", "before"):
                    started = time.perf_counter()
                    if side == "before":
                        options = before.SearchOptions(collection=COLLECTION, mode=mode)
                        response = before.search(db, embedder, query, principal, options)
                    else:
                        options = SearchOptions(collection=COLLECTION, mode=mode)
                        response = search(db, embedder, query, principal, options)
                    total[side].append((time.perf_counter() - started) * 1000)
                    db_ms[side].append(response.timings_ms["db"])
                    ids[side] = {r.chunk_id for r in response.results}
                    if gold is not None:
                        hits[side].append(any(r.source == gold for r in response.results))
                shared = ids["before"] & ids["after"]
                overlap.append(len(shared) / len(ids["before"]) if ids["before"] else 1.0)
            out[f"{label}/{mode}"] = {
                side: {
                    "p50_ms": percentile(total[side], 50),
                    "p95_ms": percentile(total[side], 95),
                    "db_p50_ms": percentile(db_ms[side], 50),
                    "db_p95_ms": percentile(db_ms[side], 95),
                    "question_page_in_top5": float(np.mean(hits[side])) if hits[side] else None,
                }
                for side in ("before", "after")
            } | {"top5_overlap": float(np.mean(overlap)), "load_average": os.getloadavg()}
            print(f"  before/after {label}/{mode}: {out[f'{label}/{mode}']}", file=sys.stderr)
    return out


def _measure(
    db: Database,
    embedder: Embedder,
    corpus: Corpus,
    queries: list[str],
    qvecs: np.ndarray,
    ef_values: Sequence[int],
    *,
    variants: bool,
) -> dict[str, Any]:
    fixed = FixedVectors(embedder, dict(zip(queries, qvecs, strict=True)))
    for mode in MODES:  # warm caches and the pools before timing
        _latencies(db, embedder, queries[:10], PRINCIPALS["all (100%)"][0], mode)
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
            entry["modes"][mode] = _latencies(db, embedder, queries, principal, mode)
            print(
                f"  {len(corpus.ids)} chunks, {label}, {mode}: "
                f"p50 {entry['modes'][mode]['p50_ms']:.1f} ms, "
                f"p95 {entry['modes'][mode]['p95_ms']:.1f} ms",
                file=sys.stderr,
            )
        for ef in ef_values:
            entry["recall"][f"ef_search={ef}"] = _recall(
                db, fixed, corpus, queries, qvecs, principal, readable, ef
            )
        if readable.mean() < 0.05:  # search() scans these few documents exactly; HNSW alone:
            entry["recall"]["ef_search=40, HNSW only"] = _recall(
                db, fixed, corpus, queries, qvecs, principal, readable, 40, exact_docs=0
            )
        out["principals"][label] = entry
    out["plans"] = {
        f"{label}/{mode}": _explain(db, embedder, queries[0], PRINCIPALS[label][0], mode)
        for label in ("all (100%)", "1%")
        for mode in ("hybrid", "text")
    }
    if variants:
        out["variants"] = {
            f"{label}/{mode}": _variants(
                db, queries[:VARIANT_QUERIES], qvecs[:VARIANT_QUERIES], PRINCIPALS[label][0], mode
            )
            for label in ("all (100%)", "1%")
            for mode in MODES
        }
    return out


def _cached_embed(
    embedder: Embedder, texts: list[str], cache: Path | None
) -> tuple[np.ndarray, float, str]:
    """Embed ``texts``, or load the vectors a previous run saved for exactly these texts."""
    key = hashlib.sha256("\n".join([embedder.name, *texts]).encode()).hexdigest()[:16]
    if cache is not None and cache.exists():
        saved = np.load(cache)
        if str(saved["key"]) == key:
            return saved["vectors"], float(saved["seconds"]), f"cache {cache}"
    vectors, seconds = _embed(embedder, texts, "embed passages")
    if cache is not None:
        np.savez(cache, key=key, vectors=vectors, seconds=seconds)
    return vectors, seconds, "embedded in this run"


def run(
    *, quick: bool = False, vector_cache: Path | None = None, compare_with: Path | None = None
) -> dict[str, Any] | None:
    """Run the benchmark and return the result (None when the corpus is missing).

    ``vector_cache`` (an .npz path) keeps the passage vectors between runs, so latency can be
    re-measured without re-embedding; the embedding throughput reported is then the cached
    run's. ``compare_with`` (another checkout) adds a before/after section at every size.
    """
    from ragtune.resources import quiet_libraries

    root = handbook_or_none()
    if root is None:
        return None
    quiet_libraries()
    load_average = os.getloadavg()
    sizes = (1_000, 5_000) if quick else (10_000, 100_000)
    n_questions, n_held_out = (10, 20) if quick else (40, 80)
    ef_values = (40,) if quick else (40, 100)

    embedder = load_embedder("all-MiniLM-L6-v2")
    rng = np.random.default_rng(SEED)
    pool = passages(root)
    page_order = {p.text: i for i, p in enumerate(pool)}
    random.Random(SEED).shuffle(pool)
    held_out, indexable = pool[:n_held_out], pool[n_held_out:]
    real = indexable[: min(len(indexable), sizes[0])]
    # Keep each document's passages together and in page order, as a real corpus is.
    real.sort(key=lambda p: page_order[p.text])

    queries = _queries(held_out, n_questions)
    question_sources = [
        json.loads(line)["source"] for line in QUESTIONS.read_text().splitlines() if line.strip()
    ]
    before = load_search_module(compare_with) if compare_with is not None else None
    qvecs, _ = _embed(embedder, queries, "embed queries")
    real_vecs, embed_s, embed_source = _cached_embed(embedder, [p.text for p in real], vector_cache)
    cached = embed_source.startswith("cache")
    print(f"embedded {len(real)} passages in {embed_s:.0f} s", file=sys.stderr)

    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": load_average,
        "quick": quick,
        "corpus": str(HANDBOOK),
        "embed_model": embedder.name,
        "data": {
            "real_passages": len(real),
            "passage": "1-3 consecutive sentences of one handbook page, embedded as is",
            # A cached run's timing was taken under that run's conditions, not this one's.
            "embed_seconds": None if cached else embed_s,
            "embed_passages_per_s": None if cached else len(real) / embed_s,
            "embed_source": embed_source,
            "synthetic_rows": (
                "rows beyond the real passages reuse real vectors with Gaussian noise "
                "(sigma below) and re-normalisation; their text is the source passage's text "
                "plus one random handbook sentence, so no two rows share a text (identical "
                "texts would tie in full-text rank)"
            ),
            "documents": f"{DOC_PASSAGES} passages per document; permissions set per document",
            "tags": "1% of documents 'everyone', 10% 'restricted', 89% 'staff'",
        },
        "queries": {
            "count": len(queries),
            "questions": n_questions,
            "held_out_passages": n_held_out,
            "note": "questions from tests/data/18f_questions.jsonl plus passages left out of "
            "the index; none is in the index",
        },
        "search_options": {
            k: v for k, v in asdict(SearchOptions(collection=COLLECTION)).items() if k != "mode"
        },
        "latency": "search() end to end including the query embedding; embed_* is the "
        "embedding itself (on a worker thread, overlapping the database work); wait_* how long "
        "the database work waited for it; db_* the database work without that wait (pool "
        "checkout, principal, word statistics, full-text candidates, query, fetch)",
        "recall": "recall@10 of search(mode='vector', k=10) against exact cosine top-10 over "
        "the rows the principal may read (numpy); same queries. A principal who reads few "
        "documents gets an exact scan of them from search() (recall 1 by construction); "
        "'HNSW only' measures the index for that principal",
        "targets": {"p95_ms_at_100k_with_embedding": TARGET_P95_MS, "recall_at_10": TARGET_RECALL},
        "sizes": {},
    }
    with fresh_database(pool_max=4) as (db, _):
        result["server"] = server_facts(db)
        with db.administering() as conn:
            collection = ensure_collection(conn, COLLECTION, embedder.name, embedder.dim)
            drop_vector_index(conn, collection)
        ids, tags = _write_rows(db, collection, "real", real, real_vecs, rng)
        corpus = Corpus(real_vecs, ids, tags, len(real))
        for size in sizes:
            extra = size - len(corpus.ids)
            if extra > 0:
                copies = -(-extra // len(real))
                noisy, sigma, cosine = _noisy_copies(real_vecs, copies, rng)
                items = _copy_texts(real, copies, extra, root, rng)
                noisy = noisy[:extra]
                started = time.perf_counter()
                new_ids, new_tags = _write_rows(db, collection, f"copies-{size}", items, noisy, rng)
                copy_s = time.perf_counter() - started
                print(f"copied {extra} rows in {copy_s:.0f} s", file=sys.stderr)
                corpus = Corpus(
                    np.vstack([corpus.vectors, noisy]),
                    corpus.ids + new_ids,
                    np.concatenate([corpus.tags, new_tags]),
                    corpus.n_real,
                )
                result["data"]["noise_sigma"] = sigma
                result["data"]["copy_mean_cosine_to_source"] = cosine
            index_s, analyze_s = _build_index(db, collection)
            print(f"{len(corpus.ids)} chunks: HNSW built in {index_s:.0f} s", file=sys.stderr)
            measured = _measure(db, embedder, corpus, queries, qvecs, ef_values, variants=True)
            if before is not None:
                golds = [*question_sources[:n_questions], *([None] * n_held_out)]
                measured["before_after"] = {
                    "before": str(compare_with),
                    **_before_after(db, embedder, queries, golds, before),
                }
            measured["hnsw_build_seconds"] = index_s
            measured["vacuum_analyze_seconds"] = analyze_s
            measured["load_average_after"] = os.getloadavg()
            result["sizes"][str(len(corpus.ids))] = measured
    return result


def table(result: dict[str, Any]) -> str:
    """Latency and recall per size, principal and mode."""
    rows = []
    for size, entry in result["sizes"].items():
        for label, p in entry["principals"].items():
            recall = p["recall"]["ef_search=40"]["recall_at_10"]
            for mode, m in p["modes"].items():
                rows.append(
                    [
                        size,
                        label,
                        mode,
                        m["p50_ms"],
                        m["p95_ms"],
                        m["db_p50_ms"],
                        m["db_p95_ms"],
                        f"{recall:.3f}" if mode == "vector" else "",
                    ]
                )
    return markdown_table(
        [
            "chunks",
            "principal reads",
            "mode",
            "p50 ms",
            "p95 ms",
            "DB p50 ms",
            "DB p95 ms",
            "recall@10 (ef 40)",
        ],
        rows,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument(
        "--vector-cache",
        type=Path,
        default=None,
        help="an .npz file to keep passage vectors between runs",
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        help="another checkout (e.g. git archive of an older commit): time its search() "
        "against this one's, interleaved, on the same rows",
    )
    args = parser.parse_args(argv)
    result = run(quick=args.quick, vector_cache=args.vector_cache, compare_with=args.compare_with)
    return publish(NAME, result, table, quick=args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
