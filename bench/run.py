"""Run every benchmark, write bench/results/*.json and print one markdown summary.

    python -m bench.run [--quick]

The ingest and retrieval benchmarks share one fresh database: retrieval's own ingest call then
finds every file unchanged, so the handbook is embedded once; the embedder backends are then
compared in collections of their own. Search latency and scale get their own databases.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import ingest_throughput, retrieval_compare, scale, search_latency
from bench.fresh_database import fresh_database, server_facts
from bench.handbook import handbook_or_none
from bench.results import write_result
from indexes.embeddings import load_embedder

# Above this 1-minute load average another process competes for the CPU and the latencies
# measure that contention rather than ragtune.
BUSY_LOAD = 0.5
PARTS = ("ingest", "retrieval", "search", "scale")


def _ingest_and_retrieval(quick: bool) -> tuple[dict[str, Any], dict[str, Any]] | None:
    root = handbook_or_none()
    if root is None:
        return None
    load_average = os.getloadavg()
    started = time.perf_counter()
    embedder = load_embedder("all-MiniLM-L6-v2")
    load_s = time.perf_counter() - started
    with fresh_database(pool_max=4) as (db, _):
        facts = server_facts(db)
        ingested = ingest_throughput.measure(
            db, embedder, ingest_throughput.handbook_paths(root, quick=quick)
        )
        compared = retrieval_compare.measure(db, embedder, root, quick=quick)
        # Backends side by side (torch, ONNX int8) on the same corpus, in their own collections.
        ingested["embedders"] = ingest_throughput.compare_embedders(
            db, root, quick=quick, cache_dir=ingest_throughput.export_cache()
        )
    return (
        ingest_throughput.envelope(
            ingested, facts, quick=quick, load_s=load_s, load_average=load_average
        ),
        retrieval_compare.envelope(compared, facts, quick=quick, load_average=os.getloadavg()),
    )


def main(argv: Sequence[str] | None = None) -> int:
    from ragtune.resources import quiet_libraries

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument(
        "--vector-cache",
        type=Path,
        default=None,
        help="an .npz file keeping search_latency's passage vectors between runs",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="run only these benchmarks (ingest and retrieval share a database when both run)",
    )
    args = parser.parse_args(argv)
    quiet_libraries()
    load = os.getloadavg()[0]
    if load > BUSY_LOAD:
        print(
            f"warning: load average {load:.2f}; other processes will distort the timings",
            file=sys.stderr,
        )
    started = time.perf_counter()
    sections = []
    if "ingest" in args.only and "retrieval" in args.only:
        pair = _ingest_and_retrieval(args.quick)
        ingest_result, retrieval_result = pair if pair is not None else (None, None)
    else:
        ingest_result = ingest_throughput.run(quick=args.quick) if "ingest" in args.only else None
        retrieval_result = (
            retrieval_compare.run(quick=args.quick) if "retrieval" in args.only else None
        )
    if ingest_result is not None:
        path = write_result(ingest_throughput.NAME, ingest_result, quick=args.quick)
        sections.append(("Ingest throughput", ingest_throughput.table(ingest_result), path))
    if retrieval_result is not None:
        path = write_result(retrieval_compare.NAME, retrieval_result, quick=args.quick)
        sections.append(("Retrieval quality", retrieval_compare.table(retrieval_result), path))
    latency = (
        search_latency.run(quick=args.quick, vector_cache=args.vector_cache)
        if "search" in args.only
        else None
    )
    if latency is not None:
        path = write_result(search_latency.NAME, latency, quick=args.quick)
        sections.append(("Search latency", search_latency.table(latency), path))
    scaled = scale.run(quick=args.quick) if "scale" in args.only else None
    if scaled is not None:
        path = write_result(scale.NAME, scaled, quick=args.quick)
        sections.append(("Scale", scale.table(scaled), path))
    for title, table, path in sections:
        print(f"\n### {title}\n\n{table}\n\n({path.name})")
    print(f"\nall benchmarks finished in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
