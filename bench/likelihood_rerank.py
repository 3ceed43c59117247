"""The likelihood re-rank (generation/likelihood.py): file+section MRR@5 and recall@5 with and
without it, its weight fitted on one corpus's design questions and reported on the other's
and on the 18F blind sets, and what it costs a question.

Each question is searched as the agent searches (the default options, k = 5); the bundled
local model scores the question after each of the five passages once, and the re-order
(tools/rag.py ``reorder_by_likelihood``, the agent's own code) is replayed at every weight of
WEIGHTS. Design questions: the sample suite's, and the handbook's tuning questions with both
design sets (``samples/design/18f-handbook``, longer and short questions). The blind sets are
never fitted on.

    python -m bench.likelihood_rerank [--state-dir DIR] [--quick] [--blind O N ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.fresh_database import fresh_database, server_facts
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, percentile, publish
from bench.retrieval_compare import (
    BLIND_SETS,
    READER,
    REPO,
    _ingest,
    _sources,
    corpora,
    sample_questions,
    suite_questions,
    tuning_questions,
)
from bench.retrieval_scoring import K, Question, is_gold
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search.options import SearchOptions
from tools.rag import Retrieval, reorder_by_likelihood, retrieve

NAME = "likelihood_rerank"
WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
DESIGN = REPO / "samples" / "design" / "18f-handbook"
QUICK_QUESTIONS = 6


def _gold_rank(question: Question, found: Retrieval, paths: dict[str, str]) -> int | None:
    return next(
        (
            s.n
            for s in found.sources[:K]
            if is_gold(question.gold, paths[s.result.document_id], s.result.section)
        ),
        None,
    )


def asked(
    db: Database,
    embedder: Embedder,
    collection: str,
    questions: Sequence[Question],
    likelihood: Any,
) -> dict[str, Any]:
    """MRR@5 and recall@5 at every weight of WEIGHTS, and the scoring time per question."""
    paths = next(_sources(db, c) for c in corpora(False) if c.name == collection)
    options = SearchOptions(collection=collection, k=K)
    reciprocal: dict[float, list[float]] = {w: [] for w in WEIGHTS}
    scoring_ms: list[float] = []
    remembered: dict[tuple[str, ...], list[float]] = {}

    def once(question: str, passages: Sequence[str]) -> list[float]:
        # Scored once a question; every weight replays the same scores.
        key = (question, *passages)
        if key not in remembered:
            started = time.perf_counter()
            remembered[key] = likelihood(question, passages)
            scoring_ms.append((time.perf_counter() - started) * 1000)
        return remembered[key]

    for q in questions:
        found = retrieve(db, embedder, q.question, READER, options)
        for weight in WEIGHTS:
            ordered = reorder_by_likelihood(found, once, weight=weight, depth=K)
            rank = _gold_rank(q, ordered, paths)
            reciprocal[weight].append(1 / rank if rank else 0.0)
    return {
        "questions": len(questions),
        "by_weight": {
            str(w): {
                "mrr": round(statistics.fmean(rr), 4) if rr else None,
                "recall": round(statistics.fmean(r > 0 for r in rr), 4) if rr else None,
            }
            for w, rr in reciprocal.items()
        },
        "scoring_ms": {
            "p50": round(percentile(scoring_ms, 50), 1) if scoring_ms else None,
            "p95": round(percentile(scoring_ms, 95), 1) if scoring_ms else None,
        },
    }


def best_weight(*sets: dict[str, Any]) -> float:
    """The weight with the best mean of MRR@5 + recall@5 / 2 over ``sets`` (each counting
    the same; ties: the smaller)."""

    def value(w: float) -> float:
        return statistics.fmean(
            s["by_weight"][str(w)]["mrr"] + 0.5 * s["by_weight"][str(w)]["recall"] for s in sets
        )

    return max(WEIGHTS, key=lambda w: (round(value(w), 6), -w))


def design_sets(limit: int | None) -> dict[str, tuple[str, list[Question]]]:
    """Name -> (collection, questions) of the design questions."""
    return {
        "sample": ("sample", sample_questions()[:limit]),
        "18f tuning": ("handbook", tuning_questions()[:limit]),
        "18f design": ("handbook", suite_questions(DESIGN / "answerable_design.jsonl")[:limit]),
        "18f design, short": (
            "handbook",
            suite_questions(DESIGN / "answerable_short.jsonl")[:limit],
        ),
    }


def measure(
    db: Database, embedder: Embedder, likelihood: Any, *, quick: bool, blind: Sequence[str]
) -> dict[str, Any]:
    """Ingest both corpora (idempotent), ask every set, fit the weight both ways."""
    limit = QUICK_QUESTIONS if quick else None
    for corpus in corpora(quick):
        _ingest(db, embedder, corpus)
    sets: dict[str, Any] = {}
    for name, (collection, questions) in design_sets(limit).items():
        sets[name] = asked(db, embedder, collection, questions, likelihood) | {"design": True}
        print(f"{name}: done", file=sys.stderr, flush=True)
    for name in blind:
        questions = suite_questions(BLIND_SETS[name])[:limit]
        sets[f"18f blind {name}"] = asked(db, embedder, "handbook", questions, likelihood)
        print(f"blind {name}: done", file=sys.stderr, flush=True)
    handbook_design = [sets[n] for n in ("18f tuning", "18f design", "18f design, short")]
    fits = {
        "fitted on the sample company": best_weight(sets["sample"]),
        "fitted on the handbook's design sets": best_weight(*handbook_design),
        "pooled (each corpus counting the same)": best_weight(
            sets["sample"], _merged(handbook_design)
        ),
    }
    return {"sets": sets, "fits": fits}


def _merged(sets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several sets' figures as one, weighted by their questions."""
    total = sum(s["questions"] for s in sets)
    return {
        "questions": total,
        "by_weight": {
            str(w): {
                key: sum(s["by_weight"][str(w)][key] * s["questions"] for s in sets) / total
                for key in ("mrr", "recall")
            }
            for w in WEIGHTS
        },
    }


def run(
    state_dir: Path | None = None, *, quick: bool = False, blind: Sequence[str] = ()
) -> dict[str, Any]:
    """Everything, on a fresh database or the embedded server in ``state_dir``."""
    from generation.base_models import load_model
    from generation.likelihood import question_likelihoods
    from indexes.embeddings import load_embedder
    from ragtune.resources import quiet_libraries
    from ragtune.settings import BUNDLED_EMBED_MODEL, DEFAULT_EMBED_BACKEND

    quiet_libraries()
    load_average = os.getloadavg()
    embedder = load_embedder(BUNDLED_EMBED_MODEL, backend=DEFAULT_EMBED_BACKEND)
    models = (state_dir or Path(tempfile.mkdtemp(prefix="ragtune-likelihood-"))) / "models"
    base = load_model(state_dir=models)

    def likelihood(question: str, passages: Sequence[str]) -> list[float]:
        return question_likelihoods(base.model, base.tokenizer, question, passages)

    if state_dir is not None:
        from bench.trust import state_database

        with state_database(state_dir) as db:
            facts = server_facts(db)
            measured = measure(db, embedder, likelihood, quick=quick, blind=blind)
    else:
        with fresh_database(pool_max=4) as (db, _):
            facts = server_facts(db)
            measured = measure(db, embedder, likelihood, quick=quick, blind=blind)
    return {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": list(load_average),
        "database": facts,
        "model": base.name,
        "depth": K,
        "weights": list(WEIGHTS),
        **measured,
    }


def table(result: dict[str, Any]) -> str:
    """Each set's MRR@5 / recall@5 without the re-rank and at each fitted weight."""
    fitted = sorted({w for w in result["fits"].values() if w})
    rows = []
    for name, s in result["sets"].items():
        cells = [
            f"{s['by_weight'][str(w)]['mrr']:.3f} / {s['by_weight'][str(w)]['recall']:.3f}"
            for w in (0.0, *fitted)
        ]
        rows.append(
            [
                name + (" (design)" if s.get("design") else ""),
                s["questions"],
                *cells,
                s["scoring_ms"]["p50"],
            ]
        )
    headers = ["set", "questions", "off", *[f"weight {w:g}" for w in fitted], "scoring p50 ms"]
    fits = "; ".join(f"{k}: {v:g}" for k, v in result["fits"].items())
    return markdown_table(headers, rows) + f"\n\nWeights: {fits}."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=None, help="reuse this embedded server")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_QUESTIONS} questions a set")
    parser.add_argument(
        "--blind",
        nargs="*",
        default=list(BLIND_SETS)[-8:],
        choices=list(BLIND_SETS),
        help="the 18F blind sets to report (default: the newest eight)",
    )
    args = parser.parse_args(argv)
    result = run(args.state_dir, quick=args.quick, blind=args.blind)
    return publish(NAME, result, table, quick=args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
