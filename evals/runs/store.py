"""Eval runs in Postgres (table ``eval_runs``, migration 0004) and the index facts a run records.

Named queries only, every value a bound parameter. Runs hold answers and quoted passages from
restricted documents, so they are evaluator data: reads and writes go through the admin pool
(``Database.administering``) and ``ragtune_app`` cannot see the table at all.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from evals.runs.record import RunRecord
from indexes.database import Database
from ragtune.errors import InputError, NotFoundError

_INSERT = (
    "INSERT INTO eval_runs (id, suite, suite_sha256, status, target, judge, git_commit, items,"
    " scored, metrics, gate_passed, run, started_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_BY_ID = "SELECT run FROM eval_runs WHERE id = %s"
_HISTORY = (
    "SELECT id, suite, status, started_at, target, judge, git_commit, items, scored, metrics,"
    " gate_passed FROM eval_runs WHERE (%(suite)s::text IS NULL OR suite = %(suite)s)"
    " ORDER BY started_at DESC, id DESC LIMIT %(limit)s"
)
_INDEX_STATS = (
    "SELECT c.name, c.embed_model, c.embed_dim,"
    " (SELECT count(*) FROM documents d WHERE d.collection_id = c.id),"
    " (SELECT count(*) FROM chunks k WHERE k.collection_id = c.id)"
    " FROM collections c ORDER BY c.name"
)


@dataclass(frozen=True)
class RunSummary:
    """One row of ``ragtune eval history``."""

    run_id: str
    suite: str
    status: str
    started_at: _dt.datetime
    target: str
    judge: str
    git_commit: str | None
    items: int
    scored: int
    metrics: dict[str, float | None]
    gate_passed: bool | None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "suite": self.suite,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "target": self.target,
            "judge": self.judge,
            "git_commit": self.git_commit,
            "items": self.items,
            "scored": self.scored,
            "metrics": self.metrics,
            "gate_passed": self.gate_passed,
        }


def save_run(db: Database, run: RunRecord) -> None:
    """Store a finished run; InputError when its id is already stored."""
    import psycopg

    config = run.config
    try:
        with db.administering() as conn:
            conn.execute(
                _INSERT,
                (
                    run.run_id,
                    run.suite,
                    config.get("suite", {}).get("sha256", ""),
                    run.status,
                    str(config.get("target", "")),
                    str(config.get("judge", {}).get("name", "")),
                    config.get("git_commit"),
                    len(run.items),
                    sum(1 for i in run.items if i.status == "ok"),
                    Jsonb({name: m.value for name, m in run.metrics.items()}),
                    None if run.gate is None else run.gate.passed,
                    Jsonb(run.to_json()),
                    _dt.datetime.fromisoformat(run.started_at),
                ),
            )
    except psycopg.errors.UniqueViolation:
        raise InputError(f"An eval run with id {run.run_id!r} is already stored") from None


def get_run(db: Database, run_id: str) -> RunRecord:
    """The stored run ``run_id``; NotFoundError when there is none."""
    with db.administering() as conn:
        row = conn.execute(_BY_ID, (run_id,)).fetchone()
    if row is None:
        raise NotFoundError(
            f"No eval run {run_id!r} is stored",
            hint="list runs with ragtune eval history, or pass a run.json path",
        )
    return RunRecord.model_validate(row[0])


def list_runs(db: Database, *, suite: str | None = None, limit: int = 20) -> list[RunSummary]:
    """The latest runs, newest first, optionally of one suite."""
    with db.administering() as conn:
        rows = conn.execute(_HISTORY, {"suite": suite, "limit": limit}).fetchall()
    return [
        RunSummary(
            run_id=r[0],
            suite=r[1],
            status=r[2],
            started_at=r[3],
            target=r[4],
            judge=r[5],
            git_commit=r[6],
            items=r[7],
            scored=r[8],
            metrics=dict(r[9]),
            gate_passed=r[10],
        )
        for r in rows
    ]


def index_stats(db: Database) -> dict[str, Any]:
    """Collections with their models and document and chunk counts (all of them: admin read)."""
    with db.administering() as conn:
        rows = conn.execute(_INDEX_STATS).fetchall()
    collections = [
        {"name": n, "embed_model": m, "embed_dim": d, "documents": nd, "chunks": nc}
        for n, m, d, nd, nc in rows
    ]
    return {
        "collections": collections,
        "documents": sum(c["documents"] for c in collections),
        "chunks": sum(c["chunks"] for c in collections),
    }
