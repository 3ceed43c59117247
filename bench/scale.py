"""Scale: what 10k, 100k and 1M chunks cost in one collection on the embedded PostgreSQL.

Per size: HNSW build time and the building backend's peak memory, index and table size on
disk, hybrid and vector search p50/p95 with the query embedding included (ONNX int8, and
the query embedding alone for torch and ONNX), and HNSW recall@10 at ef_search 40 and 100,
for principals reading 100%, 11% and 1% of the rows.

Rows are 10,000 real handbook passages embedded with the bundled model (ONNX int8), then
noisy copies of those vectors (re-normalised) as in bench/search_latency.py, loaded with COPY;
the index is rebuilt after each load, as an operator would for a bulk load. The result file is
rewritten after every size, so a long 1M run leaves the smaller sizes behind if it is stopped.

    python -m bench.scale [--quick] [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.fresh_database import fresh_database, server_facts
from bench.handbook import HANDBOOK, Passage, handbook_or_none, passages, sentences_by_page
from bench.ingest_throughput import export_cache
from bench.machine import describe_machine, now_iso
from bench.results import RESULTS_DIR, markdown_table, percentile, write_result
from bench.search_corpus import (
    COLLECTION,
    COPY_COSINE,
    SEED,
    Corpus,
    bench_queries,
    embed_texts,
    write_rows,
)
from bench.search_timing import FixedVectors, latencies, recall
from indexes.collections import (
    Collection,
    create_vector_index,
    drop_vector_index,
    ensure_collection,
)
from indexes.database import Database
from indexes.embeddings import Embedder, load_embedder
from ragtune.principal import Principal

NAME = "scale"
SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 5_000)
EF_VALUES = (40, 100)
# As search_latency: with fewer real passages each one gets so many noisy copies at 1M that
# the exact top 10 are copies of one passage, and recall measures that artefact.
REAL_PASSAGES = 10_000
# The backend building the HNSW index runs at this niceness, so a 1M build on a shared
# machine yields to interactive work; loading and measuring run at normal priority.
BUILD_NICENESS = 10
MODES = ("hybrid", "vector")
TARGET_HYBRID_P95_MS_AT_100K = 25.0
# Enough for the 1M graph (1.5 GB of vectors plus links) to be built in memory.
MAINTENANCE_WORK_MEM = "4GB"
PARALLEL_WORKERS = 1  # two cores: the leader and one worker

# Tags as in search_latency: 1% of documents 'everyone', 10% 'restricted', 89% 'staff'.
PRINCIPALS: dict[str, Principal] = {
    "100%": Principal("scale-admin", frozenset({"staff", "restricted"})),
    "11%": Principal("scale-restricted", frozenset({"restricted"})),
    "1%": Principal("scale-guest"),
}


def _peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident memory) of a process, in MB; None where /proc is unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _renice(pid: int, niceness: int) -> None:
    """Set a process's niceness where allowed (lowering it back needs root)."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except OSError:
        pass


def _build(db: Database, collection: Collection) -> dict[str, Any]:
    """Rebuild the HNSW index in a fresh backend; time, peak memory and sizes."""
    with db.administering() as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        backend = int(row[0]) if row else 0
        conn.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        conn.execute(f"SET LOCAL max_parallel_maintenance_workers = {PARALLEL_WORKERS}")
        drop_vector_index(conn, collection)
        _renice(backend, BUILD_NICENESS)
        started = time.perf_counter()
        try:
            create_vector_index(conn, collection)
        finally:
            _renice(backend, 0)
        seconds = time.perf_counter() - started
        peak = _peak_rss_mb(backend)
    with db.admin.connection() as conn:
        conn.autocommit = True
        analyzed = time.perf_counter()
        conn.execute("VACUUM ANALYZE chunks")
        conn.execute("VACUUM ANALYZE documents")
        analyze_s = time.perf_counter() - analyzed
        sizes = conn.execute(
            "SELECT pg_relation_size(i.indexrelid), pg_total_relation_size('chunks'),"
            " pg_relation_size('chunks'), pg_database_size(current_database())"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname LIKE %s",
            (f"chunks_hnsw_c{collection.id}_%",),
        ).fetchone()
        conn.autocommit = False
    assert sizes is not None
    return {
        "hnsw_build_seconds": seconds,
        "hnsw_build_backend_peak_rss_mb": peak,
        "vacuum_analyze_seconds": analyze_s,
        "hnsw_index_mb": sizes[0] / 1e6,
        "chunks_total_mb": sizes[1] / 1e6,
        "chunks_heap_mb": sizes[2] / 1e6,
        "database_mb": sizes[3] / 1e6,
    }


def _noisy(real: np.ndarray, start: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Rows start..start+count of the endless noisy replica of ``real`` (in blocks, so 1M rows
    never need a float64 noise matrix at once)."""
    dim = real.shape[1]
    sigma = float(np.sqrt((1 / COPY_COSINE**2 - 1) / dim))
    index = np.arange(start, start + count) % len(real)
    noisy = real[index] + rng.normal(0.0, sigma, size=(count, dim)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy.astype(np.float32)


def _query_embedding(embedder: Embedder, queries: list[str]) -> dict[str, float]:
    """One query at a time on this thread, as search's worker does."""
    times = []
    embedder.embed(queries[:3])
    for query in queries:
        started = time.perf_counter()
        embedder.embed([query])
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}


def run(*, quick: bool = False, sizes: Sequence[int] | None = None) -> dict[str, Any] | None:
    """Measure every size in turn (writing the result after each); None without the corpus."""
    from indexes.embeddings import single_threaded_inference
    from ragtune.resources import quiet_libraries

    root = handbook_or_none()
    if root is None:
        return None
    quiet_libraries()
    single_threaded_inference()
    sizes = tuple(sizes or (QUICK_SIZES if quick else SIZES))
    n_questions, n_held_out = (10, 20) if quick else (40, 40)
    reference = load_embedder("all-MiniLM-L6-v2")
    fast = load_embedder("all-MiniLM-L6-v2", backend="onnx-int8", cache_dir=export_cache())
    rng = np.random.default_rng(SEED)
    pool = passages(root)
    page_order = {p.text: i for i, p in enumerate(pool)}
    random.Random(SEED).shuffle(pool)
    held_out, indexable = pool[:n_held_out], pool[n_held_out:]
    real = indexable[: min(len(indexable), REAL_PASSAGES, sizes[0])]
    real.sort(key=lambda p: page_order[p.text])
    queries = bench_queries(held_out, n_questions)
    qvecs, _ = embed_texts(fast, queries, "embed queries")
    # ONNX int8 (parity-checked against torch) so the real rows take minutes, not an hour.
    real_vecs, embed_s = embed_texts(fast, [p.text for p in real], "embed passages")
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": os.getloadavg(),
        "quick": quick,
        "corpus": str(HANDBOOK),
        "data": {
            "real_passages": len(real),
            "real_embed_seconds": embed_s,
            "real_embedder": "onnx-int8",
            "synthetic_rows": "noisy copies of the real vectors (expected cosine "
            f"{COPY_COSINE} to their source), text = source passage + one random sentence",
        },
        "queries": len(queries),
        "query_embedder": f"{fast.name} ({getattr(fast, 'backend', '?')})",
        "query_embedding": {
            "sentence-transformers": _query_embedding(reference, queries),
            "onnx-int8": _query_embedding(fast, queries),
        },
        "build_settings": {
            "maintenance_work_mem": MAINTENANCE_WORK_MEM,
            "max_parallel_maintenance_workers": PARALLEL_WORKERS,
            "hnsw": "pgvector defaults (m 16, ef_construction 64), cosine",
        },
        "notes": "latency is search() end to end with the ONNX int8 query embedding on its "
        "worker thread; recall@10 is search(mode='vector', rerank_depth=0) against exact top-10 "
        "over the rows the principal may read, HNSW only (no exact scan for few readable "
        "documents; before 2026-12-05 it was measured after the feature re-rank). Each "
        "synthetic chunk stores 2 sentence-run vectors (bench/search_latency.py). The "
        "build's peak memory is the leader backend's VmHWM (parallel workers not included). "
        "The machine is shared with other work: see load_average per size.",
        "sizes": {},
    }
    print(f"query embedding: {result['query_embedding']}", file=sys.stderr)
    result["build_settings"]["build_backend_niceness"] = BUILD_NICENESS
    with fresh_database(pool_max=4) as (db, _):
        result["server"] = server_facts(db)
        with db.administering() as conn:
            collection = ensure_collection(conn, COLLECTION, fast.name, fast.dim)
            drop_vector_index(conn, collection)
        ids, tags = write_rows(db, collection, "real", real, real_vecs, rng)
        corpus = Corpus(real_vecs, ids, tags, len(real))
        block = 50_000
        sentences = [s for _, _, page in sentences_by_page(root) for s in page]
        for size in sizes:
            started = time.perf_counter()
            while len(corpus.ids) < size:
                start = len(corpus.ids) - corpus.n_real
                count = min(block, size - len(corpus.ids))
                vectors = _noisy(real_vecs, start, count, rng)
                picks = rng.integers(0, len(sentences), size=count)
                items = [
                    Passage(
                        real[(start + i) % len(real)].source,
                        real[(start + i) % len(real)].title,
                        f"{real[(start + i) % len(real)].text} {sentences[picks[i]]}",
                    )
                    for i in range(count)
                ]
                new_ids, new_tags = write_rows(db, collection, f"c{start}", items, vectors, rng)
                corpus = Corpus(
                    np.vstack([corpus.vectors, vectors]),
                    corpus.ids + new_ids,
                    np.concatenate([corpus.tags, new_tags]),
                    corpus.n_real,
                )
            load_s = time.perf_counter() - started
            entry: dict[str, Any] = {"load_seconds": load_s, **_build(db, collection)}
            print(f"{size}: built in {entry['hnsw_build_seconds']:.0f} s", file=sys.stderr)
            entry.update(_measure(db, fast, corpus, queries, qvecs))
            entry["load_average_after"] = os.getloadavg()
            entry["measured_at"] = now_iso()
            result["sizes"][str(size)] = entry
            write_result(NAME, _with_earlier_sizes(result, quick), quick=quick)
    return _with_earlier_sizes(result, quick)


def _with_earlier_sizes(result: dict[str, Any], quick: bool) -> dict[str, Any]:
    """``result`` plus the sizes the results file holds that this run did not measure (a
    10k/100k re-run keeps the 1M row, which takes an hour), each keeping its own date."""
    path = RESULTS_DIR / (f"{NAME}.quick.json" if quick else f"{NAME}.json")
    try:
        earlier = json.loads(path.read_text())["sizes"]
    except (OSError, ValueError, KeyError, TypeError):
        return result
    kept = {
        size: {**entry, "measured_at": entry.get("measured_at", "an earlier run")}
        for size, entry in earlier.items()
        if size not in result["sizes"]
    }
    sizes = {**result["sizes"], **kept}
    return result | {"sizes": dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))}


def _measure(
    db: Database, embedder: Embedder, corpus: Corpus, queries: list[str], qvecs: np.ndarray
) -> dict[str, Any]:
    fixed = FixedVectors(embedder, dict(zip(queries, qvecs, strict=True)))
    for mode in MODES:  # warm the caches and the pools
        latencies(db, embedder, queries[:10], PRINCIPALS["100%"], mode)
    out: dict[str, Any] = {"principals": {}}
    for label, principal in PRINCIPALS.items():
        readable = np.array([t in principal.effective_groups for t in corpus.tags])
        entry: dict[str, Any] = {"readable_fraction": float(readable.mean()), "modes": {}}
        for mode in MODES:
            entry["modes"][mode] = latencies(db, embedder, queries, principal, mode)
        entry["recall_at_10"] = {
            f"ef_search={ef}": recall(
                db, fixed, corpus, queries, qvecs, principal, readable, ef, exact_docs=0
            )["recall_at_10"]
            for ef in EF_VALUES
        }
        print(f"  {len(corpus.ids)} {label}: {entry}", file=sys.stderr)
        out["principals"][label] = entry
    return out


def table(result: dict[str, Any]) -> str:
    """One row per size and readable share."""
    rows = []
    for size, entry in result["sizes"].items():
        for label, p in entry["principals"].items():
            hybrid, vector = p["modes"]["hybrid"], p["modes"]["vector"]
            rows.append(
                [
                    size,
                    entry["hnsw_build_seconds"],
                    entry["hnsw_index_mb"],
                    entry["database_mb"],
                    label,
                    hybrid["p50_ms"],
                    hybrid["p95_ms"],
                    vector["p50_ms"],
                    vector["p95_ms"],
                    p["recall_at_10"]["ef_search=40"],
                    p["recall_at_10"]["ef_search=100"],
                ]
            )
    return markdown_table(
        [
            "chunks",
            "HNSW build s",
            "index MB",
            "database MB",
            "reads",
            "hybrid p50 ms",
            "hybrid p95 ms",
            "vector p50 ms",
            "vector p95 ms",
            "recall@10 ef40",
            "recall@10 ef100",
        ],
        rows,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    args = parser.parse_args(argv)
    result = run(quick=args.quick, sizes=args.sizes)
    if result is None:
        return 0
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
