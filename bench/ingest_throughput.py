"""Ingest throughput on the 18F handbook: chunks per second, embedding time versus database
time, and the cost of an unchanged re-run.

Each run starts a fresh embedded PostgreSQL in a fresh state dir, so nothing is cached in the
database; the embedding model is loaded before the clock starts.

    python -m bench.ingest_throughput [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.fresh_database import fresh_database, server_facts
from bench.handbook import HANDBOOK, handbook_or_none
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, publish
from indexes.database import Database
from indexes.embeddings import Embedder, load_embedder
from indexes.ingest import IngestOptions, IngestReport, ingest

NAME = "ingest_throughput"
COLLECTION = "handbook"
QUICK_FILES = 25


def _report(report: IngestReport) -> dict[str, Any]:
    out = asdict(report)
    out["failed"] = len(report.failed)
    other = report.seconds - report.embed_seconds - report.db_seconds
    out["other_seconds"] = other  # reading, parsing and chunking files, and hashing
    out["chunks_per_s"] = report.chunks / report.seconds if report.seconds else 0.0
    out["embed_chunks_per_s"] = (
        report.embedded / report.embed_seconds if report.embed_seconds else 0.0
    )
    out["db_chunks_per_s"] = report.chunks / report.db_seconds if report.db_seconds else 0.0
    return out


def handbook_paths(root: Path, *, quick: bool) -> list[Path]:
    """The whole handbook, or its first QUICK_FILES pages for a smoke test."""
    return sorted(root.rglob("*.md"))[:QUICK_FILES] if quick else [root]


def measure(db: Database, embedder: Embedder, paths: list[Path]) -> dict[str, Any]:
    """Ingest ``paths`` into an empty database, then again unchanged; report both runs."""
    options = IngestOptions(collection=COLLECTION, progress=sys.stderr.isatty())
    first = ingest(db, embedder, paths, options)
    print(f"first run: {first.summary()}", file=sys.stderr)
    second = ingest(db, embedder, paths, options)
    print(f"unchanged re-run: {second.summary()}", file=sys.stderr)
    with db.administering() as conn:
        texts = [r[0] for r in conn.execute("SELECT text FROM chunks").fetchall()]
        size = conn.execute("SELECT pg_total_relation_size('chunks')").fetchone()
    tokens = [embedder.count_tokens(t) for t in texts]
    return {
        "files_given": sum(1 for p in paths for _ in (p.rglob("*.md") if p.is_dir() else [p])),
        "options": {"chunk_tokens": options.chunk_tokens, "overlap_tokens": options.overlap_tokens},
        "chunk_tokens_mean": sum(tokens) / len(tokens) if tokens else 0.0,
        "chunks_table_bytes": size[0] if size else None,
        "first_run": _report(first),
        "unchanged_rerun": _report(second),
    }


def envelope(
    measured: dict[str, Any],
    facts: dict[str, Any],
    *,
    quick: bool,
    load_s: float,
    load_average: tuple[float, float, float],
) -> dict[str, Any]:
    """The result file: what was measured, plus where and when."""
    return {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": load_average,
        "quick": quick,
        "corpus": str(HANDBOOK),
        "embed_model": "all-MiniLM-L6-v2",
        "model_load_seconds": load_s,
        "server": facts,
        **measured,
        "notes": "seconds is the whole ingest() call; embed_seconds and db_seconds are the parts "
        "spent in embedder.embed and in the per-document write transactions; other_seconds is "
        "reading, parsing, chunking and hashing. Pages with only front matter are reported as "
        "failed by ingest (no body text). Fresh embedded PostgreSQL and state dir per run.",
    }


def run(*, quick: bool = False) -> dict[str, Any] | None:
    """Ingest the handbook twice into a fresh database; return the result (None if absent)."""
    from ragtune.resources import quiet_libraries

    root = handbook_or_none()
    if root is None:
        return None
    quiet_libraries()
    load_average = os.getloadavg()
    started = time.perf_counter()
    embedder = load_embedder("all-MiniLM-L6-v2")
    load_s = time.perf_counter() - started
    with fresh_database(pool_max=4) as (db, _):
        facts = server_facts(db)
        measured = measure(db, embedder, handbook_paths(root, quick=quick))
    return envelope(measured, facts, quick=quick, load_s=load_s, load_average=load_average)


def table(result: dict[str, Any]) -> str:
    """One row per run."""
    rows = []
    for label, key in (("first run", "first_run"), ("unchanged re-run", "unchanged_rerun")):
        r = result[key]
        rows.append(
            [
                label,
                r["added"],
                r["unchanged"],
                r["failed"],
                r["chunks"],
                r["embedded"],
                r["seconds"],
                r["embed_seconds"],
                r["db_seconds"],
                r["other_seconds"],
                r["chunks_per_s"],
            ]
        )
    return markdown_table(
        [
            "run",
            "added",
            "unchanged",
            "failed",
            "chunks",
            "embedded",
            "total s",
            "embed s",
            "db s",
            "other s",
            "chunks/s",
        ],
        rows,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_FILES} files")
    args = parser.parse_args(argv)
    result = run(quick=args.quick)
    return publish(NAME, result, table, quick=args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
