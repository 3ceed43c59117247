"""Background uploads: 202 at once, progress and the report from GET /v1/uploads/{id}; a cancel
keeps whole documents and lists the files it did not reach; a job whose process died is
reported interrupted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import indexes.ingest.pipeline
import service.upload_jobs
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.upload_jobs import create_job, get_job
from service.upload_files import StoredFiles, folder_id
from service.upload_jobs import settle_interrupted
from tests.service.conftest import Keys, auth, build_app


def _finished(client: TestClient, url: str, token: str, within_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    while True:
        job = client.get(url, headers=auth(token))
        assert job.status_code == 200, job.text
        if job.json()["status"] != "running":
            return job.json()
        assert time.monotonic() < deadline, job.json()
        time.sleep(0.2)


def _upload(
    client: TestClient, token: str, files: list[Any], collection: str, *, wait: bool = True
) -> Any:
    """POST /v1/documents (``wait=false``: in the background) as ``token``."""
    return client.post(
        "/v1/documents" if wait else "/v1/documents?wait=false",
        files=files,
        data={"collection": collection},
        headers=auth(token),
    )


def _page(n: int) -> bytes:
    lines = [
        f"Bay {n}-{i} holds pallets of lot {n * 100 + i}, checked every {i % 9 + 2} days by "
        f"the shift lead, who signs the log at the dock door before the trucks leave."
        for i in range(25)
    ]
    return (f"# Bay {n}\n\n" + "\n\n".join(lines) + "\n").encode()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds a background ingest at its first progress report after a document was written,
    until set; earlier reports are not passed on (a cancel is not heard before one). Uploads
    that wait for their ingest (they run on the server's request threads) are not held."""
    opened = threading.Event()
    original: Callable[..., bool] = service.upload_jobs.record_progress

    def held(db: Database, job_id: str, files_done: int, chunks: int) -> bool:
        if not threading.current_thread().name.startswith("ragtune-upload-"):
            return original(db, job_id, files_done, chunks)
        if files_done == 0:
            return False
        opened.wait(60)
        return original(db, job_id, files_done, chunks)

    monkeypatch.setattr(service.upload_jobs, "record_progress", held)
    monkeypatch.setattr(indexes.ingest.pipeline, "WATCH_EVERY_S", 0.0)  # every report
    yield opened
    opened.set()


def test_a_background_upload_answers_at_once_and_reports_when_done(
    client: TestClient, keys: Keys
) -> None:
    files = [
        ("files", ("dock.md", b"# Dock\n\nThe loading dock opens at 06:00.\n")),
        ("files", ("empty.md", b"")),
        ("files", ("../x.md", b"# X\n\nText.\n")),
    ]
    made = _upload(client, keys.root, files, "later", wait=False)
    assert made.status_code == 202, made.text
    job = made.json()
    assert made.headers["location"] == job["url"] == f"/v1/uploads/{job['id']}"
    assert job["files"] == 2 and job["collection"] == "later"
    done = _finished(client, job["url"], keys.root)
    assert done["status"] == "done" and done["error"] is None
    report = done["report"]
    assert done["files_done"] == 2 and done["chunks_embedded"] == report["embedded"] > 0
    assert report["added"] == 1 and [d["source"] for d in report["documents"]] == ["dock.md"]
    assert report["job"] == job["id"]
    assert set(report["failed"]) == {"empty.md", "../x.md"}
    listed = client.get("/v1/documents?collection=later", headers=auth(keys.alice)).json()
    assert [d["source"] for d in listed["documents"]] == ["dock.md"]
    # Admin keys only; unknown ids are 404 with a hint.
    assert client.get(job["url"], headers=auth(keys.alice)).status_code == 403
    for unknown in ("00000000-0000-0000-0000-000000000000", "not-an-id"):
        missing = client.get(f"/v1/uploads/{unknown}", headers=auth(keys.root))
        assert missing.status_code == 404 and "POST /v1/documents" in missing.text
    # The id as a URN names the same job.
    urn = client.get(f"/v1/uploads/urn:uuid:{job['id']}", headers=auth(keys.root))
    assert urn.status_code == 200 and urn.json()["id"] == job["id"]
    # Cancelling a finished upload changes nothing.
    again = client.delete(job["url"], headers=auth(keys.root))
    assert again.status_code == 200 and again.json()["status"] == "done"


def test_a_cancelled_upload_keeps_whole_documents_and_lists_the_files_it_did_not_reach(
    service_db: Database,
    embedder: Embedder,
    keys: Keys,
    tmp_path: Path,
    gate: threading.Event,
) -> None:
    # Small chunks, many files: the ingest embeds several groups, so a cancel heard at the
    # first progress report after a document was written stops it with files left.
    app, _ = build_app(
        service_db,
        embedder,
        tmp_path,
        chunk_size_tokens=32,
        chunk_overlap_tokens=0,
        sentence_vectors=False,
    )
    names = [f"bay-{n:02d}.md" for n in range(40)]
    files = [("files", (name, _page(n))) for n, name in enumerate(names)]
    earlier = b"# Bay 39\n\nBay 39 is closed for repairs.\n"
    with TestClient(app, raise_server_exceptions=False) as client:
        # The last file is in the collection already: the cancel never reaches its new text.
        first = _upload(client, keys.root, [("files", ("bay-39.md", earlier))], "cancelled")
        assert first.status_code == 201, first.text
        made = _upload(client, keys.root, files, "cancelled", wait=False)
        assert made.status_code == 202, made.text
        url = made.json()["url"]
        asked = client.delete(url, headers=auth(keys.root))
        assert asked.status_code == 200, asked.text
        assert asked.json()["cancel_requested"] is True
        gate.set()
        ended = _finished(client, url, keys.root)
        assert ended["status"] == "cancelled"
        report = ended["report"]
        written = {d["source"] for d in report["documents"]}
        left = {name for name, why in report["failed"].items() if "cancelled" in why}
        assert written and left and written | left == set(names) and "bay-39.md" in left
        assert set(report["failed"]) == left
        # Left files are not kept on disk, and the one that replaced an earlier file put it
        # back: that document still reads as its file. Written documents are whole.
        folder = tmp_path / "uploads" / "cancelled"
        assert {p.name for p in folder.iterdir()} == written | {"bay-39.md"}
        assert (folder / "bay-39.md").read_bytes() == earlier
        with service_db.administering() as conn:
            stored = dict(
                conn.execute(
                    "SELECT d.source, string_agg(c.text, ' ') FROM documents d"
                    " JOIN collections k ON k.id = d.collection_id"
                    " JOIN chunks c ON c.document_id = d.id WHERE k.name = 'cancelled'"
                    " GROUP BY d.source"
                ).fetchall()
            )
        assert set(stored) == written | {"bay-39.md"}
        assert "closed for repairs" in stored.pop("bay-39.md")
        lines = {name: [f"Bay {n}-{i} holds" for i in range(25)] for n, name in enumerate(names)}
        assert [s for s, text in stored.items() if not all(x in text for x in lines[s])] == []
        # Uploading everything again finishes the job.
        rest = _upload(client, keys.root, files, "cancelled")
        assert rest.status_code == 201, rest.text
        again = rest.json()
        assert again["added"] == len(left) - 1 and again["updated"] == 1
        assert again["unchanged"] == len(written)


def test_a_job_whose_process_stopped_is_reported_interrupted(
    service_db: Database,
    embedder: Embedder,
    keys: Keys,
    tmp_path: Path,
    gate: threading.Event,
) -> None:
    # Shut down while the ingest runs: the job is marked interrupted, not left running.
    app, _ = build_app(service_db, embedder, tmp_path)
    with TestClient(app, raise_server_exceptions=False) as client:
        made = _upload(client, keys.root, [("files", ("bay.md", _page(1)))], "shutdown", wait=False)
        assert made.status_code == 202, made.text
        job_id = made.json()["id"]
    stopped = get_job(service_db, job_id)
    assert stopped is not None and stopped.status == "interrupted"
    assert "shut down" in (stopped.error or "")
    gate.set()
    # Here the process lives on, so the ingest finishes and says so; wait for it, so that no
    # thread is left embedding when the test process exits.
    deadline = time.monotonic() + 60
    while (job := get_job(service_db, job_id)) is not None and job.status == "interrupted":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job is not None and job.status == "done"
    # A process that died without a shutdown: its heartbeat stops, and the job is reported
    # interrupted once it is older than the limit.
    lost = create_job(service_db, "default", "root", 3)
    with service_db.administering() as conn:
        conn.execute(
            "UPDATE upload_jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = %s",
            (lost,),
        )
    found = get_job(service_db, lost)
    assert found is not None and found.status == "interrupted"
    assert found.finished_at is not None


def test_an_upload_or_delete_of_a_name_another_upload_holds_is_refused_until_it_ends(
    service_db: Database,
    embedder: Embedder,
    keys: Keys,
    tmp_path: Path,
    gate: threading.Event,
) -> None:
    app, _ = build_app(service_db, embedder, tmp_path)
    folder = tmp_path / "uploads" / "claims"

    def upload(*named: tuple[str, bytes], wait: bool = True) -> Any:
        files = [("files", item) for item in named]
        return _upload(client, keys.root, files, "claims", wait=wait)

    with TestClient(app, raise_server_exceptions=False) as client:
        first = upload(("same.md", b"# Same\n\nThe first text of the same file.\n"))
        assert first.status_code == 201, first.text
        doc_id = first.json()["documents"][0]["id"]
        # A background re-upload holds the name from storing to keeping its file.
        second = b"# Same\n\nThe second text of the same file.\n"
        held = upload(("same.md", second), ("pad.md", _page(1)), wait=False)
        assert held.status_code == 202, held.text
        # A delete of its document would take the file the re-upload stored.
        refused = client.delete(
            f"/v1/documents/{doc_id}?collection=claims", headers=auth(keys.root)
        )
        assert refused.status_code == 409, refused.text
        assert "same.md" in refused.json()["error"]["message"]
        # Another upload of the name is refused per file; the rest of its files go in.
        third = b"# Same\n\nThe third text of the same file.\n"
        mixed = upload(("same.md", third), ("other.md", b"# Other\n\nAnother text.\n"))
        assert mixed.status_code == 201, mixed.text
        assert [d["source"] for d in mixed.json()["documents"]] == ["other.md"]
        assert "has not ended" in mixed.json()["failed"]["same.md"]
        alone = upload(("same.md", third))
        assert alone.status_code == 409 and "upload it again" in alone.text
        gate.set()
        assert _finished(client, held.json()["url"], keys.root)["status"] == "done"
        # The refused uploads changed nothing: the file is the one the job stored.
        assert (folder / "same.md").read_bytes() == second
        # Once the job has ended, the name is free again.
        assert upload(("same.md", third)).status_code == 201
        assert (folder / "same.md").read_bytes() == third
        gone = client.delete(f"/v1/documents/{doc_id}?collection=claims", headers=auth(keys.root))
        assert gone.status_code == 200, gone.text
        assert not (folder / "same.md").exists()
        # No upload or delete holds a name now: no lock file is left behind.
        assert list((tmp_path / "uploads" / ".claims" / "claims").iterdir()) == []


def test_the_files_of_a_job_whose_process_died_are_kept_or_put_back_at_the_next_start(
    service_db: Database, embedder: Embedder, keys: Keys, tmp_path: Path
) -> None:
    app, _ = build_app(service_db, embedder, tmp_path)
    root = tmp_path / "uploads"
    folder = root / "crash"
    dock = b"# Dock\n\nThe loading dock opens at 06:00.\n"
    yard = b"# Yard\n\nThe yard is swept on Fridays.\n"
    with TestClient(app, raise_server_exceptions=False) as client:
        first = _upload(
            client, keys.root, [("files", ("dock.md", dock)), ("files", ("yard.md", yard))], "crash"
        )
        assert first.status_code == 201, first.text
    # A waited-for upload keeps a job's row too, settled by its own end.
    with service_db.administering() as conn:
        rows = conn.execute(
            "SELECT status, files, jsonb_array_length(stored), settled_at IS NOT NULL"
            " FROM upload_jobs WHERE collection = 'crash'"
        ).fetchall()
    assert rows == [("done", 2, 2, True)]
    # What a process that died inside a background job leaves behind: the job's files stored
    # (two replacing a document's file, one new), one of them ingested before it died, and
    # its row still running.
    new_yard = b"# Yard\n\nThe yard is swept on Mondays.\n"
    stored = StoredFiles()
    stored.store(root, "crash", "dock.md", "dock.md", b"# Dock\n\nThe dock opens at 07:00.\n")
    stored.store(root, "crash", "yard.md", "yard.md", new_yard)
    stored.store(root, "crash", "gate.md", "gate.md", b"# Gate\n\nThe gate code changes monthly.\n")
    options = IngestOptions(collection="crash", progress=False)
    assert ingest(service_db, embedder, [folder / "yard.md"], options).updated == 1
    job_id = create_job(
        service_db, "crash", "root", 3, stored=stored.as_record(), folder=folder_id(root)
    )
    # While its process lives (it holds the names' claims), nothing is touched.
    assert settle_interrupted(service_db, root) == [job_id]
    assert (folder / "yard.md").read_bytes() == new_yard and (folder / "gate.md").is_file()
    for claim in stored.claims.values():
        claim.close()  # the process died: its claims went with it
    with TestClient(app, raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 30
        while (job := get_job(service_db, job_id)) is not None and job.status == "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job is not None and job.status == "interrupted"
        shown = client.get(f"/v1/uploads/{job_id}", headers=auth(keys.root)).json()
        assert shown["status"] == "interrupted"
        assert shown["error"] == (
            "the service process running it stopped;"
            " not ingested (upload them again): dock.md, gate.md"
        )
        # The folder's id is kept beside the claims under a name no collection can have.
        named = _upload(client, keys.root, [("files", ("dock.md", dock))], "folder-id")
        assert named.status_code == 201, named.text
    # The document that never read the new dock.md has its file back; the yard.md that was
    # ingested stays; the new gate.md, which no document reads, is gone; no copies are left.
    assert (folder / "dock.md").read_bytes() == dock
    assert (folder / "yard.md").read_bytes() == new_yard
    assert sorted(p.name for p in folder.iterdir()) == ["dock.md", "yard.md"]
    # Settled once: a second pass finds nothing left.
    assert settle_interrupted(service_db, root) == []
