"""One bad file never loses the batch: it is reported with its reason, the rest ingested,
from the library and from ``ragtune ingest`` alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexes.collections import has_collection
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest


def hostile_folder(root: Path) -> Path:
    """Two good files and three that crash naive parsers (recursion, a broken container)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "good.md").write_text("# Leave\n\nUnused vacation days carry over up to five days.\n")
    (root / "also-good.txt").write_text("The canteen closes at 15:00 on Fridays.\n")
    (root / "deep.json").write_text('{"a": ' * 990 + "1" + "}" * 990)
    (root / "deep.jsonl").write_text("[" * 990 + "1" + "]" * 990 + "\n")
    (root / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    return root


def test_bad_files_fail_alone(db: Database, embedder: Embedder, tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path / "in")
    report = ingest(db, embedder, [folder], IngestOptions(progress=False))
    assert report.added == 2
    failed = {Path(p).name: reason for p, reason in report.failed.items()}
    assert set(failed) == {"deep.json", "deep.jsonl", "broken.docx"}
    assert "nested" in failed["deep.json"] and "nested" in failed["deep.jsonl"]


@pytest.mark.slow
def test_cli_reports_bad_files_and_ingests_the_rest(database_url: str, tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path / "in")
    env = {**os.environ, "DATABASE_URL": database_url, "RAGTUNE_STATE_DIR": str(tmp_path / "st")}
    done = subprocess.run(
        [sys.executable, "-m", "ragtune.cli", "ingest", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    for name in ("deep.json", "deep.jsonl", "broken.docx"):
        assert f"failed: {folder / name}" in done.stderr
    assert "2 added" in done.stdout + done.stderr


def test_an_ingest_where_every_file_fails_leaves_no_new_collection(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (folder / "deep.json").write_text('{"a": ' * 990 + "1" + "}" * 990)
    report = ingest(db, embedder, [folder], IngestOptions(collection="all_bad", progress=False))
    assert len(report.failed) == 2 and report.added == 0
    with db.administering() as conn:
        assert not has_collection(conn, "all_bad")

    # A collection that already holds documents stays when a later ingest stores nothing.
    good = hostile_folder(tmp_path / "good")
    ingest(db, embedder, [good], IngestOptions(collection="kept", progress=False))
    again = ingest(db, embedder, [folder], IngestOptions(collection="kept", progress=False))
    assert again.added == 0 and len(again.failed) == 2
    with db.administering() as conn:
        assert has_collection(conn, "kept")
