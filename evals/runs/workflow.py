"""Run a suite end to end, as ``ragtune eval run`` does: ask, score, gate, report, store.

``run_and_gate`` is the whole workflow behind the command, callable from tests and scripts:
it validates everything it can before the first question is asked (the suite file, the gate
tolerances, the judge), runs the suite against recorded answers, a service URL or the
in-process agent, gates the run against a baseline when one is named, writes the reports and
stores the run when a database is reachable. A run without a database still runs and reports;
it is only not stored (and a baseline must then be a file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.judges import judge_from_settings
from evals.reports import write_reports
from evals.runs.baseline import load_baseline
from evals.runs.config import (
    describe_adapters,
    describe_answering,
    describe_index,
    describe_models,
    describe_pins,
    file_sha256,
)
from evals.runs.gate import check_same_suite, compare_runs, resolve_tolerances
from evals.runs.gold_check import gold_not_found
from evals.runs.record import RunRecord
from evals.runs.runner import build_target, run_suite
from evals.runs.store import save_run
from evals.suites import Suite, load_suite
from evals.targets import TargetFactory
from indexes.database import Database
from ragtune.errors import DatabaseError, InputError
from ragtune.provenance import git_commit
from ragtune.resources import Resources, open_resources
from ragtune.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatedRun:
    """A finished run: its record (gate included), its report folder, whether it was stored."""

    record: RunRecord
    out_dir: Path
    stored: bool

    @property
    def failed(self) -> bool:
        """A partial run or a failed gate: what ``eval run`` exits 1 on."""
        gate = self.record.gate
        return self.record.status != "complete" or (gate is not None and not gate.passed)


def _warn_in_log(message: str) -> None:
    log.warning(message)


def run_and_gate(
    settings: Settings,
    suite_path: Path,
    *,
    target: str = "inproc",
    answers: Path | None = None,
    baseline: str | None = None,
    out: Path | None = None,
    judge: str | None = None,
    concurrency: int | None = None,
    inproc_target: TargetFactory | None = None,
    progress: bool = False,
    warn: Callable[[str], None] = _warn_in_log,
) -> GatedRun:
    """Run ``suite_path`` against ``target`` (or the recorded ``answers``) and gate it.

    ``baseline`` is a run id or a ``run.json`` path; ``out`` defaults to
    ``<eval_runs_dir or state_dir/evals>/<run id>``; ``judge`` and ``concurrency`` default to
    the settings (concurrency 1 unless the target is a URL). ``inproc_target`` builds the
    in-process agent for ``target="inproc"``. ``warn`` receives the one non-fatal problem: the
    database is unreachable, so the run is not stored. Raises ragtune errors for bad input.
    """
    if answers is not None and target != "inproc":
        raise InputError(
            "--answers and --target are exclusive", hint="score recorded answers or ask a target"
        )
    suite = load_suite(suite_path)
    # Bad configuration fails before any question is asked.
    tolerances = resolve_tolerances(settings.eval_gate_tolerances)
    judge_obj = judge_from_settings(settings, judge)
    with open_resources(settings) as ctx:
        db, db_error = _database_or_reason(ctx, warn)

        def database() -> Database:
            if db is None:
                raise DatabaseError(f"Cannot look up a stored run: {db_error}")
            return db

        base = load_baseline(baseline, database) if baseline else None
        if base is not None:  # before any question is asked, not after scoring them all
            check_same_suite(base[0], suite.name.removesuffix(".jsonl"))
        target_obj = build_target(target, answers, settings, inproc_target)
        is_url = answers is None and target != "inproc"
        config = describe_run(settings, suite, suite_path, answers, db, db_error, tolerances)
        if db is not None and target == "inproc" and answers is None:
            # Only the agent here reads this database; a service or recorded answers may not.
            missing = gold_not_found(db, suite, settings.collection)
            for line in missing[:10]:
                warn(f"warning: {line}")
            if len(missing) > 10:
                warn(f"warning: ... and {len(missing) - 10} more gold sources not found")
            config["suite"]["gold_not_found"] = missing
        try:
            record = run_suite(
                suite,
                target_obj,
                judge_obj,
                ctx.embedder,
                config=config,
                concurrency=concurrency or (settings.eval_concurrency if is_url else 1),
                progress=progress,
            )
        finally:
            target_obj.close()
        if base is not None:
            record = _gated(record, base, settings, tolerances)
        runs_dir = settings.eval_runs_dir or settings.resolved_state_dir() / "evals"
        out_dir = out or runs_dir / record.run_id
        write_reports(record, out_dir)
        if db is not None:
            save_run(db, record)
    return GatedRun(record, out_dir, stored=db is not None)


def _database_or_reason(ctx: Resources, warn: Callable[[str], None]) -> tuple[Database | None, str]:
    """The database, or None and why not (the run goes on without storing)."""
    try:
        return ctx.db, ""
    except DatabaseError as exc:
        warn(f"warning: database unavailable, the run is not stored: {exc}")
        return None, exc.message


def describe_run(
    settings: Settings,
    suite: Suite,
    suite_path: Path,
    answers: Path | None,
    db: Database | None,
    db_error: str,
    tolerances: dict[str, float | None],
) -> dict[str, Any]:
    """The run's ``config``: suite, answers file, models, index, git commit and gate knobs
    (the runner adds the target, the retrieval scoring, the judge and the concurrency)."""
    return {
        "suite": {
            "name": suite.name,
            "path": str(suite_path),
            "sha256": file_sha256(suite_path),
            "items": len(suite.items),
        },
        "answers": {"path": str(answers), "sha256": file_sha256(answers)} if answers else None,
        "models": describe_models(settings, describe_adapters(db)),
        "answering": describe_answering(settings),
        "index": describe_index(db, db_error),
        "pins": describe_pins(db),
        "git_commit": git_commit(),
        "gate": {
            "tolerances": tolerances,
            "resamples": settings.eval_bootstrap_resamples,
            "seed": settings.eval_bootstrap_seed,
            "confidence": settings.eval_gate_confidence,
        },
    }


def _gated(
    record: RunRecord,
    base: tuple[RunRecord, str],
    settings: Settings,
    tolerances: dict[str, float | None],
) -> RunRecord:
    """``record`` with its gate against the baseline ``base`` (the run and where it came from)."""
    gate = compare_runs(
        base[0],
        record,
        tolerances=tolerances,
        resamples=settings.eval_bootstrap_resamples,
        seed=settings.eval_bootstrap_seed,
        confidence=settings.eval_gate_confidence,
        baseline_source=base[1],
    )
    return record.model_copy(update={"gate": gate})
