"""Uploads: a bad file fails alone and leaves nothing on disk; names keep their distinction
or are refused with a reason; two files of one name in one request are both reported."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.indexes.test_ingest_failures import hostile_folder
from tests.service.conftest import Keys, auth


def _stored(state_dir: Path, collection: str) -> set[str]:
    folder = state_dir / "uploads" / collection
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_bad_uploads_fail_alone_and_leave_nothing_on_disk(
    client: TestClient, keys: Keys, service_state_dir: Path, tmp_path: Path
) -> None:
    folder = hostile_folder(tmp_path / "in")
    files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
    made = client.post(
        "/v1/documents", files=files, data={"collection": "hostile"}, headers=auth(keys.root)
    )
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["added"] == 2
    assert set(report["failed"]) == {"deep.json", "deep.jsonl", "broken.docx"}
    assert _stored(service_state_dir, "hostile") == {"good.md", "also-good.txt"}
    # The upload's job keeps its record, the same report, after the answer.
    job = client.get(f"/v1/uploads/{report['job']}", headers=auth(keys.root))
    assert job.status_code == 200, job.text
    assert job.json()["status"] == "done"
    assert job.json()["report"]["added"] == 2 and job.json()["report"]["job"] == report["job"]


def test_a_redirect_stub_upload_is_skipped_and_not_kept(
    client: TestClient, keys: Keys, service_state_dir: Path
) -> None:
    files = [
        ("files", ("note.md", b"# Note\n\nThe loading dock opens at 06:00.\n")),
        ("files", ("moved.md", b"---\ntitle: Moved\nredirect_to: /dock/\n---\n")),
    ]
    made = client.post(
        "/v1/documents", files=files, data={"collection": "moves"}, headers=auth(keys.root)
    )
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["added"] == 1 and report["failed"] == {}
    assert report["skipped"] == {"moved.md": "a redirect to /dock/, no text of its own"}
    assert _stored(service_state_dir, "moves") == {"note.md"}


def test_names_keep_their_distinction_and_repeats_are_reported(
    client: TestClient, keys: Keys, service_state_dir: Path
) -> None:
    body = b"# Note\n\nThe loading dock opens at 06:00.\n"
    files = [
        ("files", ("../../etc/x.md", body)),
        ("files", ("..\\..\\windows\\x.md", body + b"Second.\n")),
        ("files", ("same.md", body)),
        ("files", ("same.md", body + b"Other.\n")),
        ("files", ("a?b.md", body)),
        ("files", ("a*b.md", body)),
    ]
    made = client.post(
        "/v1/documents", files=files, data={"collection": "names"}, headers=auth(keys.root)
    )
    assert made.status_code == 201, made.text
    report = made.json()
    failed = report["failed"]
    assert "folder" in failed["../../etc/x.md"] and "folder" in failed["..\\..\\windows\\x.md"]
    assert "same name" in failed["same.md (2)"] and "same name" in failed["a*b.md"]
    assert report["added"] == 2 and {d["source"] for d in report["documents"]} == {
        "same.md",
        "a_b.md",
    }
    assert _stored(service_state_dir, "names") == {"same.md", "a_b.md"}


def test_an_upload_whose_every_file_failed_is_an_error_with_each_reason(
    client: TestClient, keys: Keys, service_state_dir: Path
) -> None:
    files = [("files", ("empty.md", b"")), ("files", ("../../etc/x.md", b"# X\n\nText.\n"))]
    made = client.post(
        "/v1/documents", files=files, data={"collection": "nothing"}, headers=auth(keys.root)
    )
    assert made.status_code == 400, made.text
    message = made.json()["error"]["message"]
    assert "No file could be ingested" in message
    assert "empty.md:" in message and "../../etc/x.md:" in message, message
    assert _stored(service_state_dir, "nothing") == set()


def test_a_failed_reupload_puts_the_earlier_file_back(
    client: TestClient, keys: Keys, service_state_dir: Path
) -> None:
    good = b"# Dock\n\nThe loading dock opens at 06:00.\n"
    made = client.post(
        "/v1/documents",
        files=[("files", ("dock.md", good))],
        data={"collection": "again"},
        headers=auth(keys.root),
    )
    assert made.status_code == 201, made.text
    # The same name, now empty: refused, and the document's file is what it was.
    bad = client.post(
        "/v1/documents",
        files=[("files", ("dock.md", b""))],
        data={"collection": "again"},
        headers=auth(keys.root),
    )
    assert bad.status_code == 400, bad.text
    folder = service_state_dir / "uploads" / "again"
    assert [p.name for p in folder.iterdir()] == ["dock.md"]
    assert (folder / "dock.md").read_bytes() == good
    listed = client.get("/v1/documents?collection=again", headers=auth(keys.alice)).json()
    assert [d["source"] for d in listed["documents"]] == ["dock.md"]


def test_a_long_name_is_shortened_before_its_extension_and_too_many_files_say_what_to_do(
    client: TestClient, keys: Keys, service_state_dir: Path
) -> None:
    long = "quarterly-dock-schedule-" * 12 + "final.md"
    made = client.post(
        "/v1/documents",
        files=[("files", (long, b"# Dock\n\nThe dock opens at 06:00.\n"))],
        data={"collection": "long"},
        headers=auth(keys.root),
    )
    assert made.status_code == 201, made.text
    (stored,) = _stored(service_state_dir, "long")
    assert len(stored) == 120 and stored.endswith(".md") and stored.startswith("quarterly")
    # A name in a script of three bytes a letter is shortened by bytes, and can be uploaded
    # again (the copy of the file it replaces has a longer name still).
    wide = "倉庫の出荷予定表" * 12 + ".md"
    for text in (b"# Dock\n\nThe dock opens at 06:00.\n", b"# Dock\n\nThe dock opens at 07:00.\n"):
        again = client.post(
            "/v1/documents",
            files=[("files", (wide, text))],
            data={"collection": "wide"},
            headers=auth(keys.root),
        )
        assert again.status_code == 201, again.text
    (stored,) = _stored(service_state_dir, "wide")
    assert stored.endswith(".md") and stored.startswith("倉庫") and len(stored.encode()) <= 200
    many = [("files", (f"n{i}.md", b"# N\n\nText.\n")) for i in range(1001)]
    refused = client.post(
        "/v1/documents", files=many, data={"collection": "many"}, headers=auth(keys.root)
    )
    assert refused.status_code == 400
    assert "1,000 files" in refused.json()["error"]["hint"]


def test_the_collection_may_be_named_in_the_query_and_a_misspelt_one_is_not_empty(
    client: TestClient, keys: Keys
) -> None:
    files = [("files", ("dock.md", b"# Dock\n\nThe loading dock opens at 06:00.\n"))]
    made = client.post("/v1/documents?collection=byquery", files=files, headers=auth(keys.root))
    assert made.status_code == 201, made.text
    assert made.json()["collection"] == "byquery"
    listed = client.get("/v1/documents?collection=byquery", headers=auth(keys.alice))
    assert [d["source"] for d in listed.json()["documents"]] == ["dock.md"]
    both = client.post(
        "/v1/documents?collection=one",
        files=files,
        data={"collection": "other"},
        headers=auth(keys.root),
    )
    assert both.status_code == 400 and "name the collection once" in both.text
    missing = client.get("/v1/documents?collection=byqeury", headers=auth(keys.alice))
    assert missing.status_code == 404 and "ragtune db status" in missing.text
