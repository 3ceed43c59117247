"""Retrieval quality on two corpora, side by side: ragtune's search options against LlamaIndex's
in-memory VectorStoreIndex over the same files with the same embedding model, at several
chunk sizes (its best is named).

The corpora: the 18F handbook (40 tuning questions and held-out sets A and B, 170 in all,
written elsewhere; blind sets C and D, 60 each, scored apart) and the sample company (the suite's
questions with gold citations). The fusion weight and the re-rank features' weights are
fitted on one corpus and reported on the other, in both directions (fit_weights). The shipped
defaults are the fit on both corpora's design questions together (pooled_fit, each corpus
counting the same), so the blind sets' figures are the held-out ones (the JSON says which row
is which).

Scores: recall@5 and MRR@5 of the gold file, and of the gold file and section (defined in
SECTION_RULE, bench/retrieval_scoring.py, and written into the JSON); mean and p95 latency per
question, query embedding included. The LlamaIndex side is bench/llama_baseline.py.

    python -m bench.retrieval_compare [--quick] [--state-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.fresh_database import fresh_database, server_facts
from bench.handbook import HANDBOOK, QUESTIONS, handbook_or_none
from bench.llama_baseline import build_llama_index, llama_hits
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, publish
from bench.retrieval_fit import Candidates, fit_weights, simulate
from bench.retrieval_scoring import SECTION_RULE, Corpus, Hit, K, Question, gold_texts, scored
from indexes.database import Database
from indexes.embeddings import Embedder, load_embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search import search
from indexes.search.features import WEIGHTS
from indexes.search.options import SearchOptions
from indexes.sentence_vectors import best_similarity, stored_sentences
from ragtune.principal import Principal
from ragtune.settings import BUNDLED_EMBED_MODEL, DEFAULT_EMBED_BACKEND

NAME = "retrieval_compare"
REPO = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = REPO / "samples" / "corpus"
SAMPLE_SUITE = REPO / "samples" / "suites" / "quillmark.jsonl"
HELDOUT = REPO / "samples" / "heldout" / "18f-handbook" / "answerable.jsonl"
# Written blind on 2026-12-05; spent for ranking once its figures compared two fusion rules,
# so it joins the fitting questions (samples/heldout/18f-handbook/README.md).
HELDOUT_B = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_b.jsonl"
# Written blind after that: each scored on its own, never in a fit.
HELDOUT_C = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_c.jsonl"
HELDOUT_D = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_d.jsonl"
HELDOUT_E = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_e.jsonl"
HELDOUT_F = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_f.jsonl"
HELDOUT_G = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_g.jsonl"
HELDOUT_H = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_h.jsonl"
HELDOUT_I = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_i.jsonl"
HELDOUT_J = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_j.jsonl"
HELDOUT_K = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_k.jsonl"
HELDOUT_L = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_l.jsonl"
HELDOUT_M = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_m.jsonl"
HELDOUT_N = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_n.jsonl"
HELDOUT_O = REPO / "samples" / "heldout" / "18f-handbook" / "answerable_o.jsonl"
BLIND_SETS = {
    "C": HELDOUT_C,
    "D": HELDOUT_D,
    "E": HELDOUT_E,
    "F": HELDOUT_F,
    "G": HELDOUT_G,
    "H": HELDOUT_H,
    "I": HELDOUT_I,
    "J": HELDOUT_J,
    "K": HELDOUT_K,
    "L": HELDOUT_L,
    "M": HELDOUT_M,
    "N": HELDOUT_N,
    "O": HELDOUT_O,
}
# Chunk sizes LlamaIndex is run at (its SentenceSplitter default is 1024); the best is named.
LLAMA_CHUNK_SIZES = (256, 512, 1024)
# Everyone's groups on the sample corpus, so restricted gold documents are reachable.
READER = Principal("bench", frozenset({"hr", "finance"}))
QUICK_QUESTIONS = 8


def handbook_questions() -> list[Question]:
    """The 40 questions of tests/data and the answerable ones of held-out sets A and B."""
    return tuning_questions() + suite_questions(HELDOUT) + suite_questions(HELDOUT_B)


def tuning_questions() -> list[Question]:
    """The handbook's 40 tuning questions (tests/data)."""
    out = []
    for line in QUESTIONS.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(Question(r["id"], r["question"], ((r["source"], r["section"]),)))
    return out


def suite_questions(path: Path) -> list[Question]:
    """The questions of an eval suite file that name gold citations."""
    out = []
    for line in path.read_text().splitlines():
        r = json.loads(line) if line.strip() else {}
        if r.get("gold_citations"):
            gold = tuple((g["source"], g.get("section")) for g in r["gold_citations"])
            out.append(Question(r["id"], r["question"], gold))
    return out


def sample_questions() -> list[Question]:
    """The sample suite's questions that name gold citations (rag and both routes)."""
    return suite_questions(SAMPLE_SUITE)


def corpora(quick: bool) -> list[Corpus]:
    """The corpora present on this machine (the handbook is skipped when absent)."""
    limit = QUICK_QUESTIONS if quick else None
    found = [
        Corpus(
            "sample",
            SAMPLE_CORPUS,
            (
                ("public", None),
                ("restricted/hr", frozenset({"hr"})),
                ("restricted/finance", frozenset({"finance"})),
            ),
            tuple(sample_questions()[:limit]),
        )
    ]
    root = handbook_or_none()
    if root is not None:
        found.append(
            Corpus(
                "handbook",
                root,
                ((".", None),),
                tuple(handbook_questions()[:limit]),
                tuple(
                    (name, tuple(suite_questions(path)[:limit]))
                    for name, path in BLIND_SETS.items()
                ),
            )
        )
    return found


def _sources(db: Database, corpus: Corpus) -> dict[str, str]:
    """Document id -> path relative to the corpus root."""
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT d.id::text, d.path FROM documents d JOIN collections c"
            " ON c.id = d.collection_id WHERE c.name = %s",
            (corpus.name,),
        ).fetchall()
    return {i: Path(p).relative_to(corpus.root.resolve()).as_posix() for i, p in rows}


def _ragtune_hits(
    db: Database, embedder: Embedder, corpus: Corpus, options: SearchOptions
) -> tuple[dict[str, list[Hit]], list[float]]:
    paths = _sources(db, corpus)
    search(db, embedder, "warm up", READER, options)
    hits, latencies = {}, []
    for q in corpus.asked:
        started = time.perf_counter()
        response = search(db, embedder, q.question, READER, options)
        latencies.append((time.perf_counter() - started) * 1000)
        hits[q.id] = [Hit(paths[r.document_id], r.section, r.text) for r in response.results]
    return hits, latencies


def candidates(db: Database, embedder: Embedder, corpus: Corpus) -> list[Candidates]:
    """Each question's vector and full-text candidates (what fusion and re-ranking see), with
    every candidate's cosine, for fitting the weights offline (bench/retrieval_fit.py)."""
    paths = _sources(db, corpus)
    out = []
    for q in corpus.questions:
        sides = {}
        for mode in ("vector", "text"):
            options = SearchOptions(
                collection=corpus.name, k=40, candidates=40, mode=mode, rerank_depth=0
            )
            sides[mode] = search(db, embedder, q.question, READER, options)
        wide = search(
            db,
            embedder,
            q.question,
            READER,
            SearchOptions(collection=corpus.name, k=80, candidates=40, rerank_depth=0),
        )
        passages = {
            r.chunk_id: (paths[r.document_id], r.title, r.section, r.text)
            for side in (*sides.values(), wide)
            for r in side.results
        }
        query = np.asarray(embedder.embed([q.question])[0], dtype=np.float32)
        with db.reading(READER) as conn:
            stored = stored_sentences(conn, list(passages))
        out.append(
            Candidates(
                q.question,
                q.gold,
                [(r.chunk_id, r.score) for r in sides["vector"].results],
                [(r.chunk_id, r.score) for r in sides["text"].results],
                dict(wide.similarity),
                passages,
                best_similarity(query, stored, wide.similarity),
            )
        )
    return out


def _ingest(
    db: Database, embedder: Embedder, corpus: Corpus, sentence_vectors: bool = True
) -> dict[str, Any]:
    totals = {"added": 0, "unchanged": 0, "seconds": 0.0}
    for folder, groups in corpus.folders:
        # Folders without groups keep IngestOptions' own default.
        grouped: dict[str, Any] = {"groups": groups} if groups else {}
        options = IngestOptions(
            collection=corpus.name,
            progress=sys.stderr.isatty(),
            sentence_vectors=sentence_vectors,
            **grouped,
        )
        report = ingest(db, embedder, [corpus.root / folder], options)
        print(f"ragtune ingest {corpus.name}/{folder}: {report.summary()}", file=sys.stderr)
        totals["added"] += report.added
        totals["unchanged"] += report.unchanged
        totals["seconds"] += report.seconds
    return totals


NO_RUNS = "ragtune default, ingested without sentence runs"


def _systems(
    db: Database,
    embedder: Embedder,
    corpus: Corpus,
    without_runs: Corpus,
    fitted: dict[str, Any],
    gold: dict[tuple[str, str], str],
    quick: bool,
    llama_sizes: Sequence[int] = LLAMA_CHUNK_SIZES,
) -> dict[str, Any]:
    """Every system on one corpus, scored the same way."""
    named = {
        "ragtune vector only": SearchOptions(mode="vector", rerank_depth=0),
        "ragtune hybrid RRF k=60 (before)": SearchOptions(fusion="rrf", rerank_depth=0),
        "ragtune hybrid weighted, no re-rank": SearchOptions(rerank_depth=0),
        "ragtune vector + feature re-rank": SearchOptions(mode="vector"),
        "ragtune default (weighted + re-rank)": SearchOptions(),
        "ragtune fitted on the other corpus": SearchOptions(
            vector_weight=fitted["vector_weight"],
            feature_weights=fitted["feature_weights"],
            sentence_weight=fitted["sentence_weight"],
        ),
    }
    systems: dict[str, Any] = {}
    for name, options in named.items():
        options = SearchOptions(**{**options.__dict__, "collection": corpus.name, "k": K})
        hits, latencies = _ragtune_hits(db, embedder, corpus, options)
        systems[name] = scored(corpus, hits, gold, latencies)
        print(f"{corpus.name}: {name} done", file=sys.stderr, flush=True)
    # The same corpus ingested with RAGTUNE_SENTENCE_VECTORS=false, searched with the defaults:
    # every chunk re-ranks by its chunk cosine where the best run would be.
    hits, latencies = _ragtune_hits(
        db, embedder, without_runs, SearchOptions(collection=without_runs.name, k=K)
    )
    systems[NO_RUNS] = scored(without_runs, hits, gold, latencies)
    with db.administering() as conn:
        files = sorted(
            Path(p)
            for (p,) in conn.execute(
                "SELECT d.path FROM documents d JOIN collections c ON c.id = d.collection_id"
                " WHERE c.name = %s",
                (corpus.name,),
            )
        )
    for size in (1024,) if quick else llama_sizes:
        index, facts = build_llama_index(files, embedder, size)
        hits, latencies = llama_hits(index, corpus)
        systems[f"llamaindex chunk {size}"] = scored(corpus, hits, gold, latencies) | {
            "llamaindex": facts
        }
    return systems


def measure(
    db: Database,
    embedder: Embedder,
    root: Path | None = None,
    *,
    quick: bool,
    llama_sizes: Sequence[int] = LLAMA_CHUNK_SIZES,
) -> dict[str, Any]:
    """Ingest both corpora (idempotent), fit each on the other, and compare every system.

    ``root`` is accepted for bench/run.py; the handbook's location comes from bench.handbook.
    """
    found = corpora(quick)
    ingested = {c.name: _ingest(db, embedder, c) for c in found}
    without_runs = {c.name: replace(c, name=f"{c.name}_no_runs") for c in found}
    for corpus in found:
        _ingest(db, embedder, without_runs[corpus.name], sentence_vectors=False)
    pools = {c.name: candidates(db, embedder, c) for c in found}
    fits: dict[str, Any] = {}
    for corpus in found:
        others = [c.name for c in found if c.name != corpus.name]
        if others:
            fits[corpus.name] = fit_weights(pools[others[0]]) | {"fitted_on": others[0]}
        else:
            fits[corpus.name] = {
                "vector_weight": SearchOptions().vector_weight,
                "sentence_weight": SearchOptions().sentence_weight,
                "feature_weights": dict(WEIGHTS),
                "fitted_on": "(the other corpus is absent: shipped defaults)",
            }
        fits[corpus.name]["simulated_on_fitted_corpus"] = simulate(
            pools[fits[corpus.name]["fitted_on"]] if others else pools[corpus.name],
            fits[corpus.name],
        )
    out: dict[str, Any] = {"corpora": {}}
    # The fit on both corpora's fitting questions, each corpus counting the same (the blind
    # sets are never in a pool): what the shipped defaults are; a change in it shows here.
    pooled = fit_weights(*pools.values())
    out["pooled_fit"] = pooled | {
        "fitted_on": sorted(pools),
        "simulated": {name: simulate(pool, pooled) for name, pool in pools.items()},
    }
    for corpus in found:
        gold = gold_texts(corpus, embedder)
        out["corpora"][corpus.name] = {
            "questions": len(corpus.questions),
            "ingest_this_run": ingested[corpus.name],
            "fit": fits[corpus.name],
            "systems": _systems(
                db,
                embedder,
                corpus,
                without_runs[corpus.name],
                fits[corpus.name],
                gold,
                quick,
                llama_sizes,
            ),
        }
    defaults = SearchOptions()
    out["defaults"] = {
        "search": (
            f"hybrid, weighted fusion {defaults.vector_weight:g} cosine + "
            f"{1 - defaults.vector_weight:g} relative full-text score, fused top "
            f"{defaults.rerank_depth} re-ranked by exact-answer features and "
            f"{defaults.sentence_weight:g} x the best sentence cosine"
        ),
        "vector_weight": defaults.vector_weight,
        "sentence_weight": defaults.sentence_weight,
        "feature_weights": dict(WEIGHTS),
        "fitted_on": "the sample suite and the handbook's 170 design questions together (the "
        "pooled fit, 2026-12-05, after the full-text side moved to BM25; kept when identifiers "
        "became distinctive-only, as the re-fit gained the sample and the tuning questions and "
        "lost sets A and B): both corpora's rows of the default are in-sample, the blind "
        "sets' are held out; 'ragtune fitted on the other corpus' is the cross-corpus protocol",
    }
    return out


def run(
    *,
    quick: bool = False,
    state_dir: Path | None = None,
    llama_sizes: Sequence[int] = LLAMA_CHUNK_SIZES,
) -> dict[str, Any] | None:
    """Compare on a fresh database (or the embedded server in ``state_dir``)."""
    from ragtune.resources import quiet_libraries

    quiet_libraries()
    load_average = os.getloadavg()
    # ragtune's default backend (ONNX int8 on a CPU) for both systems: the same vectors.
    embedder = load_embedder(BUNDLED_EMBED_MODEL, backend=DEFAULT_EMBED_BACKEND)
    if state_dir is not None:
        from psycopg.conninfo import make_conninfo

        from indexes.database import APP_ROLE, embedded_conninfo, open_database

        url = embedded_conninfo(state_dir)
        db = open_database(url, app_conninfo=make_conninfo(url, user=APP_ROLE), pool_max=4)
        try:
            facts = server_facts(db)
            measured = measure(db, embedder, quick=quick, llama_sizes=llama_sizes)
        finally:
            db.close()
    else:
        with fresh_database(pool_max=4) as (db, _):
            facts = server_facts(db)
            measured = measure(db, embedder, quick=quick, llama_sizes=llama_sizes)
    return envelope(measured, facts, quick=quick, load_average=load_average)


def envelope(
    measured: dict[str, Any],
    facts: dict[str, Any],
    *,
    quick: bool,
    load_average: tuple[float, float, float],
) -> dict[str, Any]:
    """The result file: what was measured, plus where, when and how it is scored."""
    return {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": load_average,
        "load_average_at_end": os.getloadavg(),
        "quick": quick,
        "corpus": {"handbook": str(HANDBOOK), "sample": str(SAMPLE_CORPUS)},
        "questions_files": [
            str(QUESTIONS.relative_to(REPO)),
            str(HELDOUT.relative_to(REPO)),
            str(HELDOUT_B.relative_to(REPO)),
            *(
                str(path.relative_to(REPO)) + " (blind: scored apart, never fitted)"
                for path in BLIND_SETS.values()
            ),
            str(SAMPLE_SUITE.relative_to(REPO)),
        ],
        "embed_model": "all-MiniLM-L6-v2",
        "embed_backend": f"{DEFAULT_EMBED_BACKEND} (ragtune's default; LlamaIndex gets the same)",
        "k": K,
        "section_rule": SECTION_RULE,
        "latency": "wall time per question: ragtune search() and LlamaIndex retriever.retrieve(), "
        "query embedding included, after one warm-up query",
        "server": facts,
        **measured,
    }


def table(result: dict[str, Any]) -> str:
    """One row per corpus and system."""
    rows = [
        [
            corpus,
            name,
            s[f"file_recall_at_{K}"],
            s[f"file_mrr_at_{K}"],
            s[f"section_recall_at_{K}"],
            s[f"section_mrr_at_{K}"],
            s["latency_mean_ms"],
            s["latency_p95_ms"],
        ]
        for corpus, found in result["corpora"].items()
        for name, s in found["systems"].items()
    ]
    rows += [
        [
            f"{corpus} (blind set {blind})",
            name,
            b[f"file_recall_at_{K}"],
            b[f"file_mrr_at_{K}"],
            b[f"section_recall_at_{K}"],
            b[f"section_mrr_at_{K}"],
            "",
            "",
        ]
        for corpus, found in result["corpora"].items()
        for name, s in found["systems"].items()
        for blind, b in s.get("blind", {}).items()
    ]
    return markdown_table(
        [
            "corpus",
            "system",
            f"file R@{K}",
            f"file MRR@{K}",
            f"file+section R@{K}",
            f"file+section MRR@{K}",
            "mean ms",
            "p95 ms",
        ],
        rows,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_QUESTIONS} questions per corpus, LlamaIndex at its default size only",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="reuse the embedded server in this directory (ingest is idempotent)",
    )
    parser.add_argument(
        "--llama-sizes",
        type=int,
        nargs="+",
        default=list(LLAMA_CHUNK_SIZES),
        help="LlamaIndex chunk sizes to run (each re-embeds the corpus)",
    )
    args = parser.parse_args(argv)
    result = run(quick=args.quick, state_dir=args.state_dir, llama_sizes=args.llama_sizes)
    return publish(NAME, result, table, quick=args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
