"""``ragtune data check`` as a user runs it: exit codes, messages and the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from training.cli.data import data_app

BAD = REPO / "tests" / "data" / "qa_bad"
SAMPLE_QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    # Settings come from the defaults, not from a developer's ragtune.toml.
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    return CliRunner()


def test_sample_file_passes(runner: CliRunner) -> None:
    result = runner.invoke(data_app, ["check", str(SAMPLE_QA)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("ok: ")
    assert "split (seed 42): train" in result.stdout
    assert "answer tokens (all-MiniLM-L6-v2): min" in result.stdout
    assert result.stderr == ""


def test_json_report_and_failing_exit_code(runner: CliRunner) -> None:
    result = runner.invoke(data_app, ["check", str(BAD / "duplicates.jsonl"), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["counts"]["conflicts"] == 2 and report["counts"]["exact_duplicates"] == 1
    assert {d["record"] for d in report["duplicates"]} == {"dark-2", "dark-3"}


def test_text_output_names_file_line_and_reason(runner: CliRunner) -> None:
    result = runner.invoke(data_app, ["check", str(BAD / "malformed.jsonl")])
    assert result.exit_code == 1
    path = str(BAD / "malformed.jsonl")
    assert f"{path}:3: error: missing field 'answer'" in result.stderr
    assert f"{path}:5: error: field 'answer' must be a string, got number [number-answer]" in (
        result.stderr
    )
    assert f"{path}:11: warning: ignored unknown field(s) ['reviewed_by'] [ok-2]" in result.stderr
    assert "FAILED (" in result.stdout


def test_pii_needs_allow_pii_and_secrets_are_not_printed(runner: CliRunner) -> None:
    refused = runner.invoke(data_app, ["check", str(BAD / "pii.jsonl")])
    assert refused.exit_code == 1
    assert "AWS access key id in answer: AKIA*** (20 chars)" in refused.stderr
    assert "use --allow-pii" in refused.stderr
    allowed = runner.invoke(data_app, ["check", str(BAD / "pii.jsonl"), "--allow-pii", "--json"])
    assert allowed.exit_code == 0, allowed.output
    for out in (refused.output, allowed.output):
        assert "AKIAIOSFODNN7EXAMPLE" not in out and "Quillmark2024!" not in out
        assert "4111 1111 1111 1111" not in out and "dana.ortiz" not in out


def test_bad_encoding_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(data_app, ["check", str(BAD / "latin1.jsonl")])
    assert result.exit_code == 2
    assert "is not valid UTF-8: byte 0xe9 at line 2, column 33" in result.stderr
    assert "hint: save the file as UTF-8" in result.stderr


def test_eval_suite_and_budget_options(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        data_app,
        [
            "check",
            str(SAMPLE_QA),
            "--eval-suite",
            str(BAD / "eval_suite.jsonl"),
            "--max-answer-tokens",
            "40",
            "--seed",
            "5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {x["record"] for x in report["leakage"]} == {"qm-glo-026", "qm-glo-012"}
    assert report["tokens"]["max_answer_tokens"] == 40
    assert report["counts"]["over_budget"] == report["dropped_by_reason"]["over_budget"] > 0
    assert report["split"]["seed"] == 5


def test_empty_file(runner: CliRunner) -> None:
    result = runner.invoke(data_app, ["check", str(BAD / "empty.jsonl")])
    assert result.exit_code == 2 and "is empty" in result.stderr
