"""``ragtune ask`` as a user runs it: a subprocess against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexes.database import Database

pytestmark = pytest.mark.slow


def _ask(
    sample_db: Database, state: Path, *args: str, python: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``ragtune ask *args`` in a new process (``python``: interpreter flags), the default
    embedder unless the environment names one."""
    env = {
        **os.environ,
        "DATABASE_URL": sample_db.admin.conninfo,
        "RAGTUNE_STATE_DIR": str(state),
        "RAGTUNE_AGENT_GENERATE": "false",
    }
    return subprocess.run(
        [sys.executable, *python, "-m", "ragtune.cli", "ask", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ask_json_and_thread(sample_db: Database, tmp_path: Path) -> None:
    first = _ask(sample_db, tmp_path, "What is the minimum password length?", "--json")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["route"] == "rag" and "14" in data["answer"] and data["citations"]
    follow = _ask(
        sample_db, tmp_path, "And how often must it change?", "--thread", data["thread_id"]
    )
    assert follow.returncode == 0, follow.stderr
    assert f"thread {data['thread_id']}" in follow.stderr


def test_ask_reports_bad_input_clearly(sample_db: Database, tmp_path: Path) -> None:
    bad_route = _ask(sample_db, tmp_path, "Anything?", "--route", "sideways")
    assert bad_route.returncode == 2 and "Unknown route" in bad_route.stderr
    # A collection that does not exist says how to find the ones that do.
    missing = _ask(sample_db, tmp_path, "Anything?", "--collection", "handbok")
    assert missing.returncode != 0 and "No collection named 'handbok'" in missing.stderr
    assert "ragtune db status" in missing.stderr
    other = _ask(
        sample_db, tmp_path, "What is the minimum password length?", "-c", "default", "--json"
    )
    assert "14" in json.loads(other.stdout)["answer"]
    thread = json.loads(other.stdout)["thread_id"]
    stolen = _ask(sample_db, tmp_path, "Go on", "--thread", thread, "--user", "mallory")
    assert stolen.returncode == 5 and "belongs to another user" in stolen.stderr


def test_an_extractive_ask_with_the_default_embedder_loads_neither_torch_nor_transformers(
    sample_db: Database, tmp_path: Path
) -> None:
    # Importing them cost over two seconds of every `ragtune ask` on the development machine;
    # the default embedder (ONNX Runtime on a CPU) and an extractive answer need neither.
    question = "What is the minimum password length?"
    done = _ask(sample_db, tmp_path, "--json", question, python=("-X", "importtime"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "14" in json.loads(done.stdout)["answer"]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "onnxruntime" in imported  # the check below is not vacuous: imports are listed
    assert "torch" not in imported and "transformers" not in imported


def test_an_answer_whose_passages_miss_what_was_asked_says_so(
    sample_db: Database, tmp_path: Path
) -> None:
    # The sample's leave policy covers the United States and the Netherlands. By default
    # (agent_answerability=report) the answer is still given, with a note under it.
    done = _ask(sample_db, tmp_path, "How many vacation days do employees in Germany get?")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[1]" in done.stdout
    assert 'Note: the cited passages do not mention "Germany"' in done.stdout
    plain = _ask(sample_db, tmp_path, "How many vacation days do employees get?")
    assert "[1]" in plain.stdout and "Note:" not in plain.stdout
    assert "| verified " in plain.stderr
    declined = _ask(sample_db, tmp_path, "Can I bring my dog to the office?")
    assert declined.stdout.startswith("I don't know") and "verified" not in declined.stderr
