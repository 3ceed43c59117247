"""Suite run time per item, excluding generation: score the sample suite's recorded answers.

Scores samples/suites/quillmark.recorded.jsonl (built by samples/make_recorded_answers.py from
real retrieval; see that script) against samples/suites/quillmark.jsonl with each offline-capable
judge, cold (fresh in-memory judgement cache, models already loaded), and reports seconds per
item and per scored answer. Loading the judge and embedder is timed separately. No database
is needed: a run is scored and aggregated exactly as ``ragtune eval run --answers`` does, minus
storing it and writing the reports (timed separately too).

    python -m bench.eval_run [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, write_result

NAME = "eval_run"
REPO = Path(__file__).resolve().parent.parent
SUITE = REPO / "samples" / "suites" / "quillmark.jsonl"
ANSWERS = REPO / "samples" / "suites" / "quillmark.recorded.jsonl"
QUICK_ITEMS = 20


def measure(judge_name: str, *, quick: bool) -> dict[str, Any]:
    """Score the recorded answers with one judge; timings and the resulting key metrics."""
    from evals.answers import load_answers
    from evals.judges import JudgeOptions, build_judge
    from evals.reports import write_reports
    from evals.runs.runner import run_suite
    from evals.suites import Suite, load_suite
    from evals.targets import RecordedTarget
    from indexes.embeddings import load_embedder
    from ragtune.settings import BUNDLED_EMBED_MODEL

    suite = load_suite(SUITE)
    if quick:
        suite = Suite(name=suite.name, items=suite.items[:QUICK_ITEMS])
    started = time.perf_counter()
    embedder = load_embedder(BUNDLED_EMBED_MODEL)
    judge = build_judge(judge_name, JudgeOptions(embedder=embedder))
    load_s = time.perf_counter() - started
    target = RecordedTarget(load_answers(ANSWERS), str(ANSWERS.relative_to(REPO)))
    started = time.perf_counter()
    run = run_suite(suite, target, judge, embedder, config={})
    score_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        write_reports(run, Path(folder))
        reports_s = time.perf_counter() - started
    answered = sum(1 for i in run.items if i.sentences)
    return {
        "judge": judge.fingerprint,
        "items": len(run.items),
        "answers_with_sentences": answered,
        "load_seconds": round(load_s, 3),
        "score_seconds": round(score_s, 3),
        "ms_per_item": round(1000 * score_s / len(run.items), 1),
        "ms_per_answer_with_sentences": round(1000 * score_s / max(answered, 1), 1),
        "reports_seconds": round(reports_s, 3),
        "metrics": {name: m.value for name, m in run.metrics.items()},
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Every judge that needs no download, in one envelope."""
    load_average = os.getloadavg()
    return {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": list(load_average),
        "quick": quick,
        "suite": str(SUITE.relative_to(REPO)),
        "answers": str(ANSWERS.relative_to(REPO)),
        "judges": {name: measure(name, quick=quick) for name in ("offline", "overlap")},
    }


def table(result: dict[str, Any]) -> str:
    rows = [
        [
            name,
            r["items"],
            r["ms_per_item"],
            r["ms_per_answer_with_sentences"],
            r["score_seconds"],
            r["load_seconds"],
            r["reports_seconds"],
        ]
        for name, r in result["judges"].items()
    ]
    headers = ["judge", "items", "ms/item", "ms/answer", "score s", "load s", "reports s"]
    return markdown_table(headers, rows)


def main(argv: Sequence[str] | None = None) -> int:
    from ragtune.resources import quiet_libraries

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_ITEMS} items")
    args = parser.parse_args(argv)
    quiet_libraries()
    result = run(quick=args.quick)
    path = write_result(NAME, result, quick=args.quick)
    print(f"### Eval run (scoring recorded answers)\n\n{table(result)}\n\n({path.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
