"""``run_and_gate``: the whole ``eval run`` workflow, called as a library function.

The overlap judge keeps these fast; the command's printing and exit codes are checked in
tests/evals/test_cli_run.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.answers import load_answers
from evals.runs.workflow import run_and_gate
from evals.targets import RecordedTarget, Target
from ragtune.errors import ConfigError, InputError
from ragtune.settings import Settings, load_settings
from tests.support.recorded import GOOD, write_answers, write_suite


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Settings:
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RAGTUNE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RAGTUNE_JUDGE", "overlap")
    monkeypatch.setenv("RAGTUNE_EVAL_BOOTSTRAP_RESAMPLES", "200")
    return load_settings()


def test_a_recorded_run_is_reported_stored_and_gated(settings: Settings, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "mini.jsonl")
    answers = write_answers(tmp_path / "good.jsonl", GOOD)
    warnings: list[str] = []
    first = run_and_gate(settings, suite, answers=answers, warn=warnings.append)
    assert first.record.status == "complete" and first.stored and not first.failed
    assert first.out_dir == settings.resolved_state_dir() / "evals" / first.record.run_id
    assert json.loads((first.out_dir / "run.json").read_text())["run_id"] == first.record.run_id
    assert first.record.gate is None and warnings == []
    # Pinned to what produced it: the prompt templates and the index's content.
    from generation.grounded_prompt import prompt_template_hash

    pins = first.record.config["pins"]
    assert pins["prompt_template_sha256"] == prompt_template_hash()
    assert set(pins["index_snapshot"]) == {
        c["name"] for c in first.record.config["index"]["collections"]
    }
    assert first.record.config["judge"]["fingerprint"]

    again = run_and_gate(
        settings, suite, answers=answers, baseline=first.record.run_id, out=tmp_path / "again"
    )
    assert again.out_dir == tmp_path / "again" and again.record.gate is not None
    assert again.record.gate.passed and not again.failed
    assert again.record.gate.baseline_source == f"run {first.record.run_id} (database)"


def test_the_inproc_target_comes_from_the_factory_it_is_handed(
    settings: Settings, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path / "mini.jsonl")
    answers = write_answers(tmp_path / "good.jsonl", GOOD)
    built: list[Settings] = []

    def stand_in(given: Settings) -> Target:
        built.append(given)
        return RecordedTarget(load_answers(answers), "stand-in agent")

    done = run_and_gate(settings, suite, inproc_target=stand_in, out=tmp_path / "out")
    assert built == [settings] and done.record.status == "complete"
    with pytest.raises(ConfigError, match="in-process agent is not available"):
        run_and_gate(settings, suite, out=tmp_path / "none")


def test_answers_and_a_url_target_are_exclusive(settings: Settings, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "mini.jsonl")
    answers = write_answers(tmp_path / "good.jsonl", GOOD)
    with pytest.raises(InputError, match="--answers and --target are exclusive"):
        run_and_gate(settings, suite, target="http://localhost:1", answers=answers)
