"""Ingestion against a real PostgreSQL and the real bundled embedding model."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

import indexes.ingest.pipeline
from indexes.collections import ensure_collection
from indexes.database import Database
from indexes.documents import delete_documents, list_documents
from indexes.embeddings import Embedder, load_embedder
from indexes.ingest import IngestOptions, ingest
from indexes.ingest.pipeline import EMBED_GROUP
from indexes.reindex import reindex
from indexes.search import search
from indexes.search.options import SearchOptions
from ragtune.errors import ModelMismatchError
from ragtune.principal import Principal
from tests.conftest import SAMPLE_CORPUS

OPTIONS = IngestOptions(progress=False)
HR = Principal("dana", frozenset({"hr"}))


def _counts(db: Database) -> tuple[int, int]:
    with db.administering() as conn:
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()
        chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()
    assert docs is not None and chunks is not None
    return docs[0], chunks[0]


def _consistent(db: Database) -> None:
    """Every document has exactly the chunks it says it has, numbered 0..n-1."""
    with db.administering() as conn:
        bad = conn.execute(
            "SELECT d.source, d.n_chunks, count(c.id), coalesce(max(c.ordinal), -1)"
            " FROM documents d LEFT JOIN chunks c ON c.document_id = d.id"
            " GROUP BY d.id HAVING d.n_chunks <> count(c.id)"
            " OR coalesce(max(c.ordinal), -1) <> d.n_chunks - 1"
        ).fetchall()
    assert bad == []


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the public sample corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS / "public", target)
    return target


def test_every_format_is_ingested(db: Database, embedder: Embedder, corpus: Path) -> None:
    report = ingest(db, embedder, [corpus], OPTIONS)
    assert report.failed == {}
    docs = list_documents(db, Principal("anyone"), "default")
    formats = {d.format for d in docs}
    assert {"markdown", "text", "pdf", "html", "docx", "csv", "jsonl"} <= formats
    assert (
        report.added
        == len(docs)
        == sum(
            1
            for p in corpus.rglob("*")
            if p.is_file()
            and p.suffix in {".md", ".txt", ".pdf", ".html", ".docx", ".csv", ".jsonl"}
        )
    )
    _consistent(db)
    with db.administering() as conn:
        pages = conn.execute(
            "SELECT DISTINCT c.page FROM chunks c JOIN documents d ON d.id = c.document_id"
            " WHERE d.format = 'pdf' ORDER BY 1"
        ).fetchall()
        sections = conn.execute(
            "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id"
            " WHERE d.format IN ('html', 'docx') AND c.section <> ''"
        ).fetchone()
    assert [p[0] for p in pages][:2] == [1, 2] and len(pages) >= 4
    assert sections is not None and sections[0] > 0


def test_reingest_unchanged_embeds_nothing(db: Database, embedder: Embedder, corpus: Path) -> None:
    first = ingest(db, embedder, [corpus], OPTIONS)
    before = _counts(db)
    second = ingest(db, embedder, [corpus], OPTIONS)
    assert second.embedded == 0 and second.added == 0 and second.updated == 0
    assert second.unchanged == first.added
    assert _counts(db) == before


def test_an_unchanged_file_is_chunked_again_when_the_chunking_changed(
    db: Database, embedder: Embedder, corpus: Path
) -> None:
    policies = [corpus / "policies"]
    first = ingest(db, embedder, policies, OPTIONS)
    with db.administering() as conn:
        # As an index written before documents recorded how they were chunked.
        conn.execute("UPDATE documents SET chunking = '' WHERE source = 'paid-time-off.md'")
    again = ingest(db, embedder, policies, OPTIONS)
    assert (again.updated, again.unchanged) == (1, first.added - 1)
    assert again.embedded == 0  # same chunks: every vector reused
    smaller = replace(OPTIONS, chunk_tokens=64, overlap_tokens=8)
    resized = ingest(db, embedder, policies, smaller)
    assert resized.updated == first.added and resized.unchanged == 0
    assert resized.chunks > first.chunks and resized.embedded > 0
    _consistent(db)
    assert ingest(db, embedder, policies, smaller).unchanged == first.added


def test_changed_document_is_replaced(db: Database, embedder: Embedder, corpus: Path) -> None:
    ingest(db, embedder, [corpus], OPTIONS)
    policy = corpus / "policies" / "paid-time-off.md"
    old_chunks = _counts(db)[1]
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text + "\n\n## Volunteer days\n\nEvery employee gets 3 zorbleflax days.\n", encoding="utf-8"
    )
    report = ingest(db, embedder, [corpus], OPTIONS)
    assert report.updated == 1 and report.added == 0
    # Only the new or changed passages were embedded; the rest reused their vectors.
    assert 0 < report.embedded < report.chunks
    assert _counts(db)[1] >= old_chunks
    _consistent(db)
    found = search(db, embedder, "zorbleflax days", Principal("a"), SearchOptions(mode="text"))
    assert found.results and found.results[0].source == "policies/paid-time-off.md"
    assert "Volunteer days" in found.results[0].section


def test_sync_removes_documents_whose_files_are_gone(
    db: Database, embedder: Embedder, corpus: Path
) -> None:
    first = ingest(db, embedder, [corpus], OPTIONS)
    (corpus / "faq" / "faq.md").unlink()
    kept = ingest(db, embedder, [corpus], OPTIONS)
    assert kept.removed == 0 and _counts(db)[0] == first.added
    synced = ingest(db, embedder, [corpus], IngestOptions(progress=False, sync=True))
    assert synced.removed == 1
    assert "faq/faq.md" not in {d.source for d in list_documents(db, Principal("a"), "default")}


def test_a_page_turned_into_a_redirect_is_skipped_and_sync_removes_its_old_text(
    db: Database, embedder: Embedder, corpus: Path
) -> None:
    first = ingest(db, embedder, [corpus], OPTIONS)
    (corpus / "faq" / "faq.md").write_text("---\ntitle: FAQ\nredirect_to: /support/\n---\n")
    kept = ingest(db, embedder, [corpus], OPTIONS)
    assert not kept.failed
    assert kept.skipped == {
        str(corpus / "faq" / "faq.md"): "a redirect to /support/, no text of its own"
    }
    # Without --sync nothing is removed, as for a file that is gone.
    assert kept.removed == 0 and _counts(db)[0] == first.added
    synced = ingest(db, embedder, [corpus], IngestOptions(progress=False, sync=True))
    assert synced.removed == 1 and synced.skipped == kept.skipped
    assert "faq/faq.md" not in {d.source for d in list_documents(db, Principal("a"), "default")}
    _consistent(db)


def test_delete_by_id_and_by_path(db: Database, embedder: Embedder, corpus: Path) -> None:
    ingest(db, embedder, [corpus / "policies"], OPTIONS)
    docs = list_documents(db, Principal("a"), "default")
    by_id, by_path = docs[0], docs[1]
    result = delete_documents(
        db, "default", [by_id.id, str(corpus / "policies" / by_path.source), "nope.md"]
    )
    assert result.deleted[by_id.id] == by_id.n_chunks
    assert result.missing == ["nope.md"] and not result.ambiguous
    left = {d.id for d in list_documents(db, Principal("a"), "default")}
    assert by_id.id not in left and by_path.id not in left and len(left) == len(docs) - 2
    _consistent(db)


def test_a_source_naming_two_documents_deletes_neither_and_lists_both(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    # The same file name in two folders, one of them restricted to "hr": deleting by the
    # shared name must not remove the restricted one along with the other.
    for folder, groups in (("public", frozenset({"everyone"})), ("hr", frozenset({"hr"}))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "bands.md").write_text(f"# Bands\n\nThe {folder} pay bands.\n")
        ingest(db, embedder, [tmp_path / folder], replace(OPTIONS, groups=groups))
    hr = Principal("h", frozenset({"hr"}))
    both = [d for d in list_documents(db, hr, "default") if d.source == "bands.md"]
    assert len(both) == 2

    refused = delete_documents(db, "default", ["bands.md"])
    assert not refused.deleted and not refused.missing
    listed = refused.ambiguous["bands.md"]
    assert len(listed) == 2 and any("(hr)" in m for m in listed), listed
    assert len([d for d in list_documents(db, hr, "default") if d.source == "bands.md"]) == 2

    # By path, only that file's document goes.
    by_path = delete_documents(db, "default", [str(tmp_path / "public" / "bands.md")])
    assert list(by_path.deleted) == [str(tmp_path / "public" / "bands.md")]
    left = [d for d in list_documents(db, hr, "default") if d.source == "bands.md"]
    assert [d.groups for d in left] == [["hr"]]
    _consistent(db)


def test_bad_files_are_reported_and_the_rest_ingested(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\nThe pallet limit is 1200 kg.\n", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(400))
    (folder / "latin1.txt").write_bytes("Caf\xe9 menu".encode("latin-1"))
    (folder / "empty.md").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "big.md").write_text("word " * 5000, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.md")  # named on the command line: refused, never read
    report = ingest(
        db,
        embedder,
        [folder, tmp_path / "missing", tmp_path / "pipe.md"],
        IngestOptions(progress=False, max_bytes=10_000),
    )
    assert report.added == 1
    reasons = {Path(p).name: r for p, r in report.failed.items()}
    assert set(reasons) == {
        "broken.pdf",
        "latin1.txt",
        "empty.md",
        "binary.txt",
        "big.md",
        "missing",
        "pipe.md",
    }
    assert "not a regular file" in reasons["pipe.md"]
    assert "PDF" in reasons["broken.pdf"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.md"]
    assert "binary" in reasons["binary.txt"]
    assert "too large" in reasons["big.md"]
    assert "no such file" in reasons["missing"]
    # Failed files are not recorded, so fixing them and re-running picks them up.
    (folder / "latin1.txt").write_text("Café menu", encoding="utf-8")
    again = ingest(db, embedder, [folder], IngestOptions(progress=False, max_bytes=10_000))
    assert again.added == 1 and again.unchanged == 1


def test_links_out_of_the_folder_are_not_followed(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    # A shared folder with links planted in it: to a file and to a folder outside it. Their
    # text must not be ingested under the folder's groups; a link that stays inside is read.
    elsewhere = tmp_path / "home"
    (elsewhere / "notes").mkdir(parents=True)
    (elsewhere / "private.md").write_text("# Private\n\nThe safe code is 4417.\n", "utf-8")
    (elsewhere / "notes" / "diary.md").write_text("# Diary\n\nMet the auditor.\n", "utf-8")
    folder = tmp_path / "shared"
    (folder / "policies").mkdir(parents=True)
    (folder / "policies" / "leave.md").write_text("# Leave\n\nTwelve days a year.\n", "utf-8")
    (folder / "private.md").symlink_to(elsewhere / "private.md")
    (folder / "notes").symlink_to(elsewhere / "notes", target_is_directory=True)
    (folder / "current.md").symlink_to(folder / "policies" / "leave.md")
    (folder / "a.md").symlink_to(folder / "b.md")  # a loop, and a link to nothing
    (folder / "b.md").symlink_to(folder / "a.md")
    (folder / "gone.md").symlink_to(folder / "old.md")
    report = ingest(db, embedder, [folder], IngestOptions(progress=False))
    assert report.added == 2  # policies/leave.md and the link beside it
    reasons = {Path(p).name: r for p, r in report.failed.items()}
    assert set(reasons) == {"private.md", "notes", "a.md", "b.md", "gone.md"}
    assert "cannot be followed" in reasons["a.md"] and "does not exist" in reasons["gone.md"]
    assert str(elsewhere / "private.md") in reasons["private.md"]
    assert "name the target itself" in reasons["notes"]
    with db.administering() as conn:
        stored = {r[0] for r in conn.execute("SELECT text FROM chunks").fetchall()}
    assert not any("4417" in text or "auditor" in text for text in stored)
    # Named on purpose, the file outside is ingested.
    named = ingest(db, embedder, [elsewhere / "private.md"], IngestOptions(progress=False))
    assert named.added == 1 and named.failed == {}


def test_other_model_on_existing_collection_is_refused(
    db: Database, embedder: Embedder, corpus: Path, tiny_embedder_path: str
) -> None:
    ingest(db, embedder, [corpus / "policies"], OPTIONS)
    tiny = load_embedder(tiny_embedder_path)
    with pytest.raises(ModelMismatchError) as info:
        ingest(db, tiny, [corpus / "policies"], OPTIONS)
    assert "ragtune reindex" in info.value.hint
    with pytest.raises(ModelMismatchError):
        search(db, tiny, "leave", Principal("a"), SearchOptions())
    report = reindex(db, tiny, "default", progress=False)
    assert report.chunks == _counts(db)[1] and report.new_model == tiny_embedder_path
    found = search(db, tiny, "paid time off", Principal("a"), SearchOptions(mode="vector"))
    assert len(found.results) == 5
    with db.administering() as conn:
        assert ensure_collection(conn, "default", tiny.name, tiny.dim).embed_dim == 32


def _many_files(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        body = "\n\n".join(
            f"## Part {j}\n\n"
            + " ".join(f"Document {i} part {j} sentence {k} about dock cycles." for k in range(12))
            for j in range(6)
        )
        (folder / f"doc{i:03d}.md").write_text(f"# Doc {i}\n\n{body}\n", encoding="utf-8")


@pytest.mark.slow
class _StopAfter:
    """A watcher that asks the ingest to stop once ``chunks`` were embedded."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.heard: list[tuple[int, int]] = []

    def progress(self, files_done: int, chunks_embedded: int) -> bool:
        self.heard.append((files_done, chunks_embedded))
        return chunks_embedded >= self.chunks


def test_a_stop_is_heard_inside_one_large_file_and_nothing_of_it_is_written(
    db: Database, embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexes.ingest.pipeline, "WATCH_EVERY_S", 0.0)
    folder = tmp_path / "big"
    folder.mkdir()
    lines = [f"Bay {i} holds lot {i * 7}, checked every {i % 9 + 2} days." for i in range(900)]
    (folder / "ledger.md").write_text("# Ledger\n\n" + "\n\n".join(lines) + "\n", "utf-8")
    options = IngestOptions(
        collection="stopped", progress=False, chunk_tokens=32, sentence_vectors=False
    )
    watcher = _StopAfter(EMBED_GROUP)
    report = ingest(db, embedder, [folder], options, watcher)
    assert report.stopped and report.added == 0 and report.failed == {}
    # Heard after the first slice of the file's chunks, not after the whole file.
    assert watcher.heard and watcher.heard[-1] == (0, EMBED_GROUP)
    with db.administering() as conn:
        stored = conn.execute(
            "SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id"
            " WHERE c.name = 'stopped'"
        ).fetchone()
    assert stored == (0,)
    # Without a stop the same file is ingested whole.
    whole = ingest(db, embedder, [folder], options, _StopAfter(10**9))
    assert not whole.stopped and whole.added == 1 and whole.chunks > 2 * EMBED_GROUP


def test_killed_ingest_leaves_whole_documents_and_rerun_completes(
    db: Database, embedder: Embedder, database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    _many_files(folder, 60)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RAGTUNE_STATE_DIR": str(tmp_path / "st"),
        "RAGTUNE_EMBED_BATCH_SIZE": "8",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ragtune.cli", "ingest", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Generous: on a loaded 2-core machine the subprocess takes minutes to import and load.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None and _counts(db)[0] < 3:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed"
    assert _counts(db)[0] >= 3, "ingest wrote no document within the deadline"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial_docs, _ = _counts(db)
    assert 0 < partial_docs < 60
    _consistent(db)  # no half-written document
    report = ingest(db, embedder, [folder], OPTIONS)
    assert report.unchanged == partial_docs and report.added == 60 - partial_docs
    _consistent(db)
    clean = ingest(db, embedder, [folder], IngestOptions(progress=False, collection="clean"))
    with psycopg.connect(database_url) as conn:
        per_collection = dict(
            conn.execute(
                "SELECT k.name, count(*) FROM chunks c JOIN collections k ON k.id = c.collection_id"
                " GROUP BY k.name"
            ).fetchall()
        )
    assert per_collection["default"] == per_collection["clean"] == clean.chunks


def test_parse_workers_give_the_same_chunks(db: Database, embedder: Embedder) -> None:
    folder = SAMPLE_CORPUS / "public"
    one = ingest(db, embedder, [folder], IngestOptions(progress=False, collection="one", workers=1))
    four = ingest(
        db, embedder, [folder], IngestOptions(progress=False, collection="four", workers=4)
    )
    assert not one.failed and not four.failed
    assert (one.added, one.chunks) == (four.added, four.chunks)
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT k.name, d.source, c.ordinal, c.text_hash FROM chunks c"
            " JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = c.collection_id"
            " ORDER BY 2, 3"
        ).fetchall()
    by_collection = {name: [r[1:] for r in rows if r[0] == name] for name in ("one", "four")}
    assert by_collection["one"] == by_collection["four"]


def _word_frequencies(db: Database, question: str) -> list[tuple[str, float | None]]:
    with db.reading(Principal("reader")) as conn:
        rows = conn.execute(
            "SELECT lexeme, frequency FROM ragtune_lexeme_frequencies(1, %s)", (question,)
        ).fetchall()
    return [(str(lexeme), frequency) for lexeme, frequency in rows]


def test_a_first_ingest_leaves_statistics_search_can_use(
    db: Database, embedder: Embedder, corpus: Path
) -> None:
    # Search tells common words from rare ones by the planner's statistics. A fresh table has
    # none until autovacuum gets to it, which made every word count as rare.
    ingest(db, embedder, [corpus / "policies"], IngestOptions(progress=False))
    counted = dict(_word_frequencies(db, "What is the policy for employees?"))
    assert counted["employe"] is not None and counted["employe"] > 0.1
    with db.administering() as conn:
        before = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass"
        ).fetchone()
    # A small addition to a large table leaves the statistics to autovacuum.
    (corpus / "one.md").write_text("# Parking\n\nVisitors park in bay 4.\n", encoding="utf-8")
    report = ingest(db, embedder, [corpus / "one.md"], IngestOptions(progress=False))
    assert report.added == 1
    with db.administering() as conn:
        after = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass"
        ).fetchone()
    assert before == after
