"""Search latency (p50/p95) at 10k and 100k chunks, with and without row-level permission
filters, in every mode; and HNSW recall@10 against exact search.

Rows are real handbook passages (1-3 sentences) embedded with the bundled model. The larger
size reuses those vectors with small Gaussian noise (re-normalised), because embedding 100k
passages on a laptop CPU takes hours; the JSON says how many rows are real. Rows are written
with COPY, straight into the tables ingest writes, and the HNSW index is built after the load.

    python -m bench.search_latency [--quick] [--vector-cache F.npz] [--compare-with CHECKOUT]

This module is the driver (sizes, the result's envelope, the table). The rows and their
vectors are built in search_corpus.py, timed in search_timing.py, and compared with another
checkout's search() in search_before_after.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.fresh_database import fresh_database, server_facts
from bench.handbook import HANDBOOK, QUESTIONS, handbook_or_none, passages
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, publish
from bench.search_before_after import before_after, load_search_module
from bench.search_corpus import (
    COLLECTION,
    DOC_PASSAGES,
    SEED,
    Corpus,
    bench_queries,
    build_index,
    cached_embed,
    copy_texts,
    embed_texts,
    noisy_copies,
    write_rows,
)
from bench.search_timing import measure
from indexes.collections import drop_vector_index, ensure_collection
from indexes.embeddings import load_embedder
from indexes.search.options import SearchOptions

NAME = "search_latency"
TARGET_P95_MS = 50.0
TARGET_RECALL = 0.95


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

    queries = bench_queries(held_out, n_questions)
    question_sources = [
        json.loads(line)["source"] for line in QUESTIONS.read_text().splitlines() if line.strip()
    ]
    before = load_search_module(compare_with) if compare_with is not None else None
    qvecs, _ = embed_texts(embedder, queries, "embed queries")
    real_vecs, embed_s, embed_source = cached_embed(embedder, [p.text for p in real], vector_cache)
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
        ids, tags = write_rows(db, collection, "real", real, real_vecs, rng)
        corpus = Corpus(real_vecs, ids, tags, len(real))
        for size in sizes:
            extra = size - len(corpus.ids)
            if extra > 0:
                copies = -(-extra // len(real))
                noisy, sigma, cosine = noisy_copies(real_vecs, copies, rng)
                items = copy_texts(real, copies, extra, root, rng)
                noisy = noisy[:extra]
                started = time.perf_counter()
                new_ids, new_tags = write_rows(db, collection, f"copies-{size}", items, noisy, rng)
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
            index_s, analyze_s = build_index(db, collection)
            print(f"{len(corpus.ids)} chunks: HNSW built in {index_s:.0f} s", file=sys.stderr)
            measured = measure(db, embedder, corpus, queries, qvecs, ef_values, variants=True)
            if before is not None:
                golds = [*question_sources[:n_questions], *([None] * n_held_out)]
                measured["before_after"] = {
                    "before": str(compare_with),
                    **before_after(db, embedder, queries, golds, before),
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
        help="another checkout, or a folder holding its indexes/ (git archive REV indexes): "
        "time its search() against this one's, interleaved, on the same rows",
    )
    args = parser.parse_args(argv)
    result = run(quick=args.quick, vector_cache=args.vector_cache, compare_with=args.compare_with)
    return publish(NAME, result, table, quick=args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
