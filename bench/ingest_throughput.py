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
from indexes.embeddings import Embedder, embedder_cache, load_embedder
from indexes.ingest import IngestOptions, IngestReport, ingest
from ragtune.settings import load_settings

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


# The backends compared side by side on the same corpus, machine and database.
BACKENDS = ("sentence-transformers", "onnx-int8")
SUITE = Path(__file__).resolve().parents[1] / "samples" / "suites" / "quillmark.jsonl"
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "corpus"


def _recall_at_5(
    db: Database, embedder: Embedder, collection: str, questions: list[dict[str, Any]]
) -> dict[str, float]:
    """Share of questions with a gold file (and, where the question names one, a gold
    section) among the top 5 hybrid results."""
    from bench.retrieval_scoring import section_label_matches
    from indexes.search import search
    from indexes.search.options import SearchOptions
    from ragtune.principal import Principal

    files = sections = 0
    with_section = 0
    for q in questions:
        options = SearchOptions(collection=collection, k=5)
        results = search(db, embedder, q["question"], Principal("bench"), options).results
        golds = q["golds"]
        files += any(r.source == g for r in results for g, _ in golds)
        if all(section is not None for _, section in golds):
            with_section += 1
            sections += any(
                r.source == g and section_label_matches(r.section, str(section))
                for r in results
                for g, section in golds
            )
    return {
        "file_recall_at_5": files / len(questions),
        "section_recall_at_5": sections / with_section if with_section else float("nan"),
        "questions": float(len(questions)),
    }


def _question_sets(quick: bool) -> dict[str, list[dict[str, Any]]]:
    import json

    from bench.handbook import QUESTIONS

    handbook = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    suite = [json.loads(line) for line in SUITE.read_text().splitlines() if line.strip()]
    sets = {
        "18f": [
            {"question": q["question"], "golds": [(q["source"], q["section"])]} for q in handbook
        ],
        "samples": [
            {
                "question": q["question"],
                "golds": [(c["source"], c.get("section")) for c in q["gold_citations"]],
            }
            for q in suite
            if q.get("gold_citations")
        ],
    }
    return {k: v[:10] for k, v in sets.items()} if quick else sets


def _query_latency(embedder: Embedder, questions: list[str]) -> dict[str, float]:
    from bench.results import percentile
    from indexes.embeddings import single_threaded_inference

    single_threaded_inference()
    times = []
    for question in questions:
        started = time.perf_counter()
        embedder.embed([question])
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}


def export_cache() -> Path:
    """Where the benches keep the ONNX export between runs: where ragtune keeps it."""
    return embedder_cache(load_settings().resolved_model_cache_dir())


def interleaved_embedding(
    embedders: dict[str, Embedder], texts: list[str], rounds: int = 3, batch: int = 64
) -> dict[str, dict[str, float]]:
    """Embedding alone, the backends taking turns batch by batch on the same texts, so each
    sees the same machine load: chunks/s (wall) and CPU ms per chunk (process time)."""
    wall = dict.fromkeys(embedders, 0.0)
    cpu = dict.fromkeys(embedders, 0.0)
    for embedder in embedders.values():
        embedder.embed(texts[:8])  # warm up
    for _ in range(rounds):
        for i in range(0, len(texts), batch):
            for name, embedder in embedders.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                embedder.embed(texts[i : i + batch])
                wall[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - started_cpu
    n = len(texts) * rounds
    return {
        name: {"chunks_per_s": n / wall[name], "cpu_ms_per_chunk": cpu[name] / n * 1000}
        for name in embedders
    }


def handbook_chunk_texts(root: Path, embedder: Embedder, limit: int = 256) -> list[str]:
    """The first ``limit`` chunks of the handbook as ingest embeds them."""
    from indexes.chunking import chunk_document
    from indexes.embeddings import embedding_text
    from indexes.loaders.dispatch import load_file

    texts: list[str] = []
    for path in sorted(root.rglob("*.md")):
        try:
            doc = load_file(path, max_bytes=50_000_000)
        except Exception:  # noqa: BLE001 - a page the loader rejects is simply skipped here
            continue
        for c in chunk_document(
            doc, chunk_tokens=256, overlap_tokens=32, count_tokens=embedder.count_tokens
        ):
            texts.append(embedding_text(doc.title, c.section, c.text))
        if len(texts) >= limit:
            break
    return texts[:limit]


def _measure_backend(
    db: Database,
    embedder: Embedder,
    name: str,
    paths: list[Path],
    sets: dict[str, list[dict[str, Any]]],
    workers: int,
    sentence_vectors: bool = True,
) -> dict[str, Any]:
    """``embedder`` ingests the handbook and the sample corpus into collections of its own,
    then answers both question sets: throughput, query embedding latency and recall@5."""
    load_average = os.getloadavg()
    options = IngestOptions(
        collection=f"hb_{name}",
        progress=sys.stderr.isatty(),
        workers=workers,
        sentence_vectors=sentence_vectors,
    )
    report = ingest(db, embedder, paths, options)
    print(f"{name}: {report.summary()}", file=sys.stderr)
    samples = IngestOptions(
        collection=f"samples_{name}",
        progress=False,
        workers=workers,
        sentence_vectors=sentence_vectors,
    )
    ingest(db, embedder, [SAMPLES], samples)
    return {
        "load_average_before": load_average,
        "sentence_vectors": sentence_vectors,
        "ingest": _report(report),
        "recall_18f": _recall_at_5(db, embedder, options.collection, sets["18f"]),
        "recall_samples": _recall_at_5(db, embedder, samples.collection, sets["samples"]),
        "query_embedding": _query_latency(embedder, [q["question"] for q in sets["18f"]]),
        "parity": getattr(embedder, "record", {}).get("parity_min_cosine"),
    }


# The default backend once more without sentence runs (indexes/sentence_vectors.py): what
# embedding each chunk's sentence runs costs at ingest.
NO_RUNS = "onnx-int8, sentence runs off"

# The remote row: the ONNX embedder behind a local OpenAI-compatible server (the one the
# remote embedder's tests use), so the row shows what HTTP and JSON cost on the same CPU.
REMOTE = "remote (onnx-int8 served on 127.0.0.1)"


def _measure_remote(
    db: Database,
    served: Embedder,
    paths: list[Path],
    sets: dict[str, list[dict[str, Any]]],
    workers: int,
) -> dict[str, Any]:
    from indexes.embedders.remote import RemoteEmbedder
    from tests.support.embeddings_server import EmbeddingScript, serve_embeddings

    script = EmbeddingScript()
    with serve_embeddings(served, script) as url:
        started = time.perf_counter()
        remote = RemoteEmbedder(served.name, base_url=url, expected_dim=served.dim)
        load_s = time.perf_counter() - started
        try:
            row = _measure_backend(db, remote, "remote", paths, sets, workers)
        finally:
            remote.close()
    row |= {"load_seconds": load_s, "requests": remote.requests, "retries": remote.retries}
    return row


def compare_embedders(
    db: Database, root: Path, *, quick: bool, cache_dir: Path, workers: int = 2
) -> dict[str, Any]:
    """Each backend of the bundled model ingests the same corpus into its own collection of one
    database, then answers the 18F questions and the sample suite: throughput, query
    embedding latency and recall@5 side by side, one backend after the other; then the same
    through the remote embedder."""
    paths = handbook_paths(root, quick=quick)
    sets = _question_sets(quick)
    out: dict[str, Any] = {"workers": workers, "backends": {}}
    loaded: dict[str, Embedder] = {}
    for backend in BACKENDS:
        started = time.perf_counter()
        loaded[backend] = load_embedder("all-MiniLM-L6-v2", backend=backend, cache_dir=cache_dir)
        load_s = time.perf_counter() - started
        row = _measure_backend(db, loaded[backend], backend.replace("-", "_"), paths, sets, workers)
        out["backends"][backend] = {"load_seconds": load_s, **row}
    out["backends"][NO_RUNS] = _measure_backend(
        db, loaded[BACKENDS[1]], "no_runs", paths, sets, workers, sentence_vectors=False
    )
    out["backends"][REMOTE] = _measure_remote(db, loaded[BACKENDS[1]], paths, sets, workers)
    texts = handbook_chunk_texts(root, loaded[BACKENDS[0]], 64 if quick else 256)
    out["interleaved_embedding"] = interleaved_embedding(loaded, texts, rounds=1 if quick else 2)
    torch, fast = (out["backends"][b] for b in BACKENDS)
    out["speedup_chunks_per_s"] = fast["ingest"]["chunks_per_s"] / torch["ingest"]["chunks_per_s"]
    out["speedup_embed_chunks_per_s"] = (
        fast["ingest"]["embed_chunks_per_s"] / torch["ingest"]["embed_chunks_per_s"]
    )
    return out


def embedders_table(compared: dict[str, Any]) -> str:
    """One row per backend."""
    rows = []
    for backend, r in compared["backends"].items():
        rows.append(
            [
                backend,
                r["ingest"]["chunks"],
                r["ingest"]["seconds"],
                r["ingest"]["chunks_per_s"],
                r["ingest"]["embed_chunks_per_s"],
                r["query_embedding"]["p50_ms"],
                r["query_embedding"]["p95_ms"],
                r["recall_18f"]["file_recall_at_5"],
                r["recall_18f"]["section_recall_at_5"],
                r["recall_samples"]["file_recall_at_5"],
            ]
        )
    return markdown_table(
        [
            "backend",
            "chunks",
            "ingest s",
            "chunks/s",
            "embed chunks/s",
            "query embed p50 ms",
            "query embed p95 ms",
            "18F file recall@5",
            "18F section recall@5",
            "samples file recall@5",
        ],
        rows,
    )


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
        "reading, parsing, chunking and hashing. The handbook's redirect stubs (front matter "
        "with redirect_to, no body) are skipped by ingest. Fresh embedded PostgreSQL and state "
        "dir per run.",
    }


def run(*, quick: bool = False, embedders_only: bool = False) -> dict[str, Any] | None:
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
        paths = handbook_paths(root, quick=quick)
        measured = {} if embedders_only else measure(db, embedder, paths)
        measured["embedders"] = compare_embedders(db, root, quick=quick, cache_dir=export_cache())
    return envelope(measured, facts, quick=quick, load_s=load_s, load_average=load_average)


def table(result: dict[str, Any]) -> str:
    """One row per run, then one per embedder backend."""
    if "first_run" not in result:
        return embedders_table(result["embedders"])
    runs = _runs_table(result)
    if "embedders" not in result:
        return runs
    return runs + "\n\n" + embedders_table(result["embedders"])


def _runs_table(result: dict[str, Any]) -> str:
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
    parser.add_argument(
        "--embedders-only", action="store_true", help="only the side-by-side backend comparison"
    )
    args = parser.parse_args(argv)
    result = run(quick=args.quick, embedders_only=args.embedders_only)
    # The comparison alone gets its own file, so it never replaces the full run's figures.
    name = f"{NAME}_embedders" if args.embedders_only else NAME
    return publish(name, result, table, quick=args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
