"""`ragtune eval check`, through the Typer app the lead registers in ragtune/cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.cli import build_eval_app
from ragtune.errors import ConfigError, NotFoundError

eval_app = build_eval_app()

CONTEXT = (
    "Up to 5 unused vacation days can be carried over into the next year. Carried-over days "
    "must be used by 31 March; any left after that date are forfeited."
)


@pytest.fixture
def context_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    path = tmp_path / "context.txt"
    path.write_text(CONTEXT, encoding="utf-8")
    return path


def test_json_output_has_exactly_the_contract(context_file: Path) -> None:
    answer = "You can carry over 5 unused vacation days. They must be used by 30 June."
    result = CliRunner().invoke(
        eval_app, ["check", "--context", str(context_file), "--answer", answer, "--json"]
    )
    assert result.exit_code == 1, result.output  # one sentence is unsupported
    data = json.loads(result.output)
    assert set(data) == {"supported", "score", "sentences"}
    assert data["supported"] is False
    assert [s["supported"] for s in data["sentences"]] == [True, False]
    for sentence in data["sentences"]:
        assert set(sentence) == {"text", "supported", "score", "evidence"}
        assert isinstance(sentence["score"], float) and isinstance(sentence["evidence"], str)
    assert data["score"] == min(s["score"] for s in data["sentences"])


def test_a_supported_answer_exits_zero_with_a_readable_summary(context_file: Path) -> None:
    result = CliRunner().invoke(
        eval_app,
        [
            "check",
            "--context",
            str(context_file),
            "--answer",
            "Carried-over days must be used by 31 March.",
            "--judge",
            "offline",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("supported")
    assert "evidence:" in result.output


def test_the_judge_can_be_chosen(context_file: Path) -> None:
    result = CliRunner().invoke(
        eval_app,
        [
            "check",
            "--context",
            str(context_file),
            "--answer",
            "Up to 5 days carry over.",
            "--judge",
            "overlap",
            "--json",
        ],
    )
    assert result.exit_code in (0, 1)
    assert "sentences" in json.loads(result.output)


def test_unknown_judge_and_missing_file_are_ragtune_errors(context_file: Path) -> None:
    unknown = CliRunner().invoke(
        eval_app, ["check", "--context", str(context_file), "--answer", "x.", "--judge", "oracle"]
    )
    assert isinstance(unknown.exception, ConfigError)
    missing = CliRunner().invoke(
        eval_app, ["check", "--context", str(context_file.with_name("nope.txt")), "--answer", "x."]
    )
    assert isinstance(missing.exception, NotFoundError)
