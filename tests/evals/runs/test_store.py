"""Eval runs in Postgres: stored, read back as baselines, listed newest first, admin-only."""

from __future__ import annotations

import psycopg
import pytest

from evals.runs.record import ItemResult, RunRecord
from evals.runs.store import get_run, index_stats, list_runs, save_run
from evals.runs.summary import aggregate
from indexes.database import Database
from ragtune.errors import InputError, NotFoundError


def _run(run_id: str, suite: str, started: str, recall: float) -> RunRecord:
    items = [
        ItemResult(
            id="q1",
            question="q?",
            expected_route="rag",
            answerable=True,
            status="ok",
            answer={"answer": "a [1]."},
            contributions={"citation_recall": (recall, 1.0)},
        ),
        ItemResult(
            id="q2", question="r?", expected_route="none", answerable=False, status="missing"
        ),
    ]
    return RunRecord(
        run_id=run_id,
        suite=suite,
        status="partial",
        started_at=started,
        finished_at=started,
        seconds=1.0,
        config={
            "suite": {"sha256": "f" * 64},
            "target": "answers:a.jsonl",
            "judge": {"name": "overlap"},
            "git_commit": None,
        },
        metrics=aggregate(items),
        items=items,
    )


def test_runs_are_stored_read_back_and_listed(db: Database) -> None:
    first = _run("r1", "quillmark", "2024-11-25T10:00:00+00:00", 0.5)
    second = _run("r2", "quillmark", "2024-11-26T10:00:00+00:00", 1.0)
    other = _run("r3", "other", "2024-11-27T10:00:00+00:00", 0.0)
    for run in (first, second, other):
        save_run(db, run)
    assert get_run(db, "r1") == first
    listed = list_runs(db, suite="quillmark")
    assert [r.run_id for r in listed] == ["r2", "r1"]
    assert listed[0].metrics["citation_recall"] == 1.0
    assert listed[0].metrics["answer_f1"] is None  # n/a, not NaN
    assert listed[0].status == "partial" and (listed[0].items, listed[0].scored) == (2, 1)
    assert listed[0].gate_passed is None and listed[0].judge == "overlap"
    assert [r.run_id for r in list_runs(db, limit=2)] == ["r3", "r2"]
    assert listed[0].to_json()["started_at"].startswith("2024-11-26")


def test_a_duplicate_id_and_an_unknown_id_are_clear_errors(db: Database) -> None:
    run = _run("dup", "s", "2024-11-25T10:00:00+00:00", 1.0)
    save_run(db, run)
    with pytest.raises(InputError, match="already stored"):
        save_run(db, run)
    with pytest.raises(NotFoundError, match="No eval run 'nope'"):
        get_run(db, "nope")


def test_the_app_role_cannot_read_eval_runs(db: Database) -> None:
    save_run(db, _run("secret", "s", "2024-11-25T10:00:00+00:00", 1.0))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.app.connection() as conn:
        conn.execute("SELECT count(*) FROM eval_runs")


def test_index_stats_count_what_is_ingested(db: Database) -> None:
    assert index_stats(db) == {"collections": [], "documents": 0, "chunks": 0}
