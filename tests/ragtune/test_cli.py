"""The ragtune command line, run as a user runs it: a real process, a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_CORPUS


def _run(
    args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ragtune.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "RAGTUNE_STATE_DIR": str(tmp_path / "st")}


@pytest.mark.slow
def test_ingest_then_search_json(cli_env: dict[str, str], tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("error-code-reference.md", "stacker-s4-operator-manual.md"):
        (docs / name).write_bytes((SAMPLE_CORPUS / "public" / "manuals" / name).read_bytes())
    (docs / "bad.pdf").write_bytes(b"not a pdf at all")
    ingested = _run(["ingest", str(docs)], cli_env)
    assert ingested.returncode == 1, ingested.stderr  # one file failed
    assert "bad.pdf" in ingested.stderr and "2 added" in ingested.stdout

    # A cut-off PDF fails with its reason, and the PDF library's own log line stays out.
    cut = tmp_path / "cut"
    cut.mkdir()
    (cut / "cut.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n")
    failed = _run(["ingest", str(cut), "--collection", "cut"], cli_env)
    assert failed.returncode == 1 and "cut.pdf" in failed.stderr, failed.stderr
    assert "re-export the PDF" in failed.stderr  # what to do about it
    assert "pypdf" not in failed.stderr and "EOF marker" not in failed.stderr, failed.stderr
    # Nothing stored: no collection 'cut' was left behind, and listing it says so.
    absent = _run(["documents", "--collection", "cut"], cli_env)
    assert absent.returncode == 4 and "No collection named 'cut'" in absent.stderr
    # Listing nothing says so, rather than printing nothing.
    hr_only = _run(
        ["ingest", str(docs / "error-code-reference.md"), "-c", "hr", "--groups", "hr"], cli_env
    )
    assert hr_only.returncode == 0, hr_only.stderr
    empty = _run(["documents", "--collection", "hr"], cli_env)
    assert empty.returncode == 0 and "No documents in collection 'hr'" in empty.stderr

    # k = 0 is refused like any k outside 1-100, not read as "the default".
    for k in ("0", "101"):
        refused = _run(["search", "lidar occlusion", "--k", k], cli_env)
        assert refused.returncode != 0 and "k must be between 1 and 100" in refused.stderr, k

    found = _run(["search", "lidar occlusion", "--k", "2", "--json"], cli_env)
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["query"] == "lidar occlusion" and len(data["results"]) == 2
    assert data["results"][0]["source"] == "error-code-reference.md"

    again = _run(["ingest", str(docs / "error-code-reference.md"), "--json"], cli_env)
    assert json.loads(again.stdout)["unchanged"] == 1

    # A redirect stub is no document, and no failure: the run succeeds and says so.
    (docs / "bad.pdf").unlink()
    (docs / "moved.md").write_text("---\ntitle: Moved\nredirect_to: /elsewhere/\n---\n")
    skipping = _run(["ingest", str(docs)], cli_env)
    assert skipping.returncode == 0, skipping.stderr
    assert f"skipped: {docs / 'moved.md'}: a redirect to /elsewhere/" in skipping.stderr
    assert "0 failed, 1 skipped" in skipping.stdout


def test_database_down_is_a_clear_error(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://x@/db?host={tmp_path}&port=1",
        "RAGTUNE_DB_CONNECT_TIMEOUT_S": "1",
    }
    result = _run(["search", "anything"], env, timeout=60)
    assert result.returncode == 3
    assert "error: Cannot connect to PostgreSQL" in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr


def test_unknown_collection_is_a_clear_error(cli_env: dict[str, str]) -> None:
    result = _run(["search", "anything", "--collection", "missing"], cli_env)
    assert result.returncode == 4
    assert "No collection named 'missing'" in result.stderr


def test_bad_setting_is_a_clear_error(cli_env: dict[str, str]) -> None:
    result = _run(["search", "x"], {**cli_env, "RAGTUNE_SEARCH_K": "many"})
    assert result.returncode == 2 and "search_k" in result.stderr
