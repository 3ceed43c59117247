"""`ragtune eval run` and `ragtune eval history` through the Typer app, on a real database.

The overlap judge keeps these fast; judging itself is covered in test_scoring.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from evals.cli import build_eval_app
from ragtune.errors import ConfigError, InputError
from tests.support.fake_service import KEY, closed_port, serving
from tests.support.recorded import BAD, GOOD, SUITE, write_answers, write_suite

eval_app = build_eval_app()

COPIES = 5  # 30 items: enough for the bootstrap interval to exclude zero on a real drop


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RAGTUNE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RAGTUNE_JUDGE", "overlap")
    monkeypatch.setenv("RAGTUNE_EVAL_BOOTSTRAP_RESAMPLES", "500")
    return tmp_path


def _copies(answers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{k}-{c}": v for c in range(COPIES) for k, v in answers.items()}


def _suite(path: Path) -> Path:
    items = [{**i, "id": f"{i['id']}-{c}"} for c in range(COPIES) for i in SUITE]
    return write_suite(path, items)


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(eval_app, list(args))


def test_a_recorded_run_writes_reports_is_stored_and_shows_in_history(env: Path) -> None:
    suite = write_suite(env / "mini.jsonl")
    answers = write_answers(env / "good.jsonl", GOOD)
    out = env / "out"
    result = _invoke("run", str(suite), "--answers", str(answers), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    assert run["status"] == "complete" and run["suite"] == "mini"
    config = run["config"]
    assert config["judge"]["name"] == "overlap" and config["judge"]["fingerprint"]
    assert config["suite"]["items"] == len(SUITE) and len(config["suite"]["sha256"]) == 64
    assert config["target"] == f"answers:{answers}"
    assert config["models"]["embed_model"] == "all-MiniLM-L6-v2"
    # What decides how the agent answers is recorded, so two runs can be told apart.
    assert config["answering"]["collection"] == "default"
    assert config["answering"]["agent_answerability"] == "report"
    assert "search_fusion" in config["answering"]
    assert config["index"] == {"collections": [], "documents": 0, "chunks": 0}
    assert "git_commit" in config
    assert run["metrics"]["route_accuracy"]["value"] == 1.0
    assert run["metrics"]["abstention_recall"]["value"] == 1.0
    assert run["metrics"]["semantic_similarity"]["value"] is not None
    assert sorted(p.name for p in out.iterdir()) == [
        "junit.xml",
        "report.html",
        "run.json",
        "summary.md",
    ]

    listed = _invoke("history", "--json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert row["run_id"] == run["run_id"] and row["status"] == "complete"
    table = _invoke("history", "--suite", "mini.jsonl")
    assert run["run_id"] in table.output and "complete" in table.output
    header = table.output.splitlines()[0].split()
    assert {"cit.rec", "halluc", "route", "R@5", "MRR", "gate"} <= set(header)
    assert "no eval runs stored" in _invoke("history", "--suite", "other").output


def test_missing_answers_make_a_partial_run_that_fails(env: Path) -> None:
    suite = write_suite(env / "mini.jsonl")
    some = {k: v for k, v in GOOD.items() if k not in ("parking", "per-diem")}
    result = _invoke(
        "run",
        str(suite),
        "--answers",
        str(write_answers(env / "a.jsonl", some)),
        "--out",
        str(env / "out"),
    )
    assert result.exit_code == 1, result.output
    assert "partial, 6 items (4 answered)" in result.output
    assert "partial run: 2 items without an answer:" in result.output
    assert "per-diem: missing: no recorded answer for this item" in result.output
    assert json.loads((env / "out" / "run.json").read_text())["status"] == "partial"
    listed = json.loads(_invoke("history", "--json").output)
    assert listed[0]["status"] == "partial"


def test_the_gate_fails_a_real_regression_and_passes_an_equal_run(env: Path) -> None:
    suite = _suite(env / "suite.jsonl")
    good = write_answers(env / "good.jsonl", _copies(GOOD))
    bad = write_answers(env / "bad.jsonl", _copies(BAD))
    first = _invoke("run", str(suite), "--answers", str(good), "--out", str(env / "base"))
    assert first.exit_code == 0, first.output

    worse = _invoke(
        "run",
        str(suite),
        "--answers",
        str(bad),
        "--baseline",
        str(env / "base" / "run.json"),
        "--out",
        str(env / "worse"),
    )
    assert worse.exit_code == 1, worse.output
    assert "REGRESSION" in worse.output
    assert "regression: Route accuracy: baseline 1, new 0.6667" in worse.output
    assert "95% CI [" in worse.output
    summary = (env / "worse" / "summary.md").read_text()
    assert "## Gate: FAILED" in summary and "route_accuracy" in summary

    base_id = json.loads((env / "base" / "run.json").read_text())["run_id"]
    same = _invoke(
        "run",
        str(suite),
        "--answers",
        str(good),
        "--baseline",
        base_id,
        "--out",
        str(env / "same"),
    )
    assert same.exit_code == 0, same.output
    assert f"gate against run {base_id} (database): passed" in same.output
    history = json.loads(_invoke("history", "--json").output)
    assert [r["gate_passed"] for r in history] == [True, False, None]


def test_a_url_target_with_a_slow_item_and_a_down_service(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = write_suite(env / "mini.jsonl")
    monkeypatch.setenv("RAGTUNE_EVAL_API_KEY", KEY)
    monkeypatch.setenv("RAGTUNE_EVAL_TIMEOUT_S", "0.5")
    answers = {i["question"]: GOOD[i["id"]] for i in SUITE}
    with serving(answers, slow=frozenset({SUITE[0]["question"]})) as url:
        result = _invoke("run", str(suite), "--target", url, "--concurrency", "3")
    assert result.exit_code == 1, result.output
    assert "partial, 6 items (5 answered)" in result.output
    assert f"pto-carry: error: timed out after 0.5 s ({url}/v1/ask)" in result.output

    down = f"http://127.0.0.1:{closed_port()}"
    result = _invoke("run", str(suite), "--target", down, "--json")
    assert result.exit_code == 1
    run = json.loads(result.output)
    assert run["status"] == "partial" and len(run["problems"]) == len(SUITE)
    assert all("service unreachable" in p for p in run["problems"])
    assert run["metrics"]["route_accuracy"]["value"] is None  # n/a, never NaN


def test_bad_input_is_reported_before_anything_runs(env: Path) -> None:
    suite = write_suite(env / "mini.jsonl")
    answers = write_answers(env / "a.jsonl", GOOD)
    unknown = _invoke("run", str(suite), "--answers", str(answers), "--judge", "oracle")
    assert isinstance(unknown.exception, ConfigError)
    assert "Unknown judge 'oracle'" in unknown.exception.message

    broken = env / "broken.jsonl"
    broken.write_text('{"id": "a", "question": "q?"}\nnot json\n', encoding="utf-8")
    bad_suite = _invoke("run", str(broken), "--answers", str(answers))
    assert isinstance(bad_suite.exception, InputError)
    assert "broken.jsonl:1: missing field 'expected_route'" in bad_suite.exception.message
    assert "broken.jsonl:2: malformed JSON" in bad_suite.exception.message

    bad_answers = env / "bad-answers.jsonl"
    bad_answers.write_text('{"id": "x"}\n', encoding="utf-8")
    result = _invoke("run", str(suite), "--answers", str(bad_answers))
    assert isinstance(result.exception, InputError)
    assert "bad-answers.jsonl:1: missing field 'answer'" in result.exception.message

    target = _invoke("run", str(suite), "--target", "ftp://nowhere")
    assert isinstance(target.exception, InputError)


def test_a_baseline_of_another_suite_is_refused_before_anything_is_asked(env: Path) -> None:
    suite = write_suite(env / "mini.jsonl")
    answers = write_answers(env / "good.jsonl", GOOD)
    first = _invoke("run", str(suite), "--answers", str(answers), "--out", str(env / "base"))
    assert first.exit_code == 0, first.output
    other = write_suite(env / "other.jsonl")
    refused = _invoke(
        "run",
        str(other),
        "--answers",
        str(answers),
        "--baseline",
        str(env / "base" / "run.json"),
        "--collection",
        "handbook",
        "--out",
        str(env / "other"),
    )
    assert isinstance(refused.exception, InputError)
    assert "is of suite 'other' but the baseline" in refused.exception.message
    assert not (env / "other").exists()  # refused before a question was asked


def test_the_collection_is_named_on_the_command_line(env: Path) -> None:
    suite = write_suite(env / "mini.jsonl")
    answers = write_answers(env / "good.jsonl", GOOD)
    result = _invoke("run", str(suite), "--answers", str(answers), "-c", "handbook", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["config"]["answering"]["collection"] == "handbook"
    bad = _invoke("run", str(suite), "--answers", str(answers), "-c", "no spaces")
    assert isinstance(bad.exception, InputError) and "collection" in bad.exception.message
