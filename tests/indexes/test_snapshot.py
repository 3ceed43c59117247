"""The index snapshot an answer carries: it changes exactly when the documents do, and a
running process reads it from a cache that one cheap counter read keeps current."""

from __future__ import annotations

from pathlib import Path

from indexes.database import Database
from indexes.documents import delete_documents
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.snapshot import SnapshotCache, index_generation, index_snapshot

OPTIONS = IngestOptions(progress=False)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_snapshot_follows_every_committed_change(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    _write(docs, "leave.md", "# Leave\n\nEmployees get 20 days of paid leave a year.\n")
    ingest(db, embedder, [docs], OPTIONS)
    cache = SnapshotCache()
    first = cache.collection_sha256(db, "default")
    assert first == index_snapshot(db)["default"]["sha256"]

    # Nothing changed: the cached snapshot is reused, not recomputed.
    generation = index_generation(db)
    assert cache.snapshot(db) is cache.snapshot(db)
    ingest(db, embedder, [docs], OPTIONS)  # unchanged file: skipped, no document row written
    assert index_generation(db) == generation
    assert cache.collection_sha256(db, "default") == first

    # An edited document, a new one, a deletion: each moves the counter and the snapshot.
    _write(docs, "leave.md", "# Leave\n\nEmployees get 25 days of paid leave a year.\n")
    ingest(db, embedder, [docs], OPTIONS)
    edited = cache.collection_sha256(db, "default")
    assert index_generation(db) > generation and edited not in (None, first)

    _write(docs, "travel.md", "# Travel\n\nBook flights through the travel desk.\n")
    ingest(db, embedder, [docs], OPTIONS)
    added = cache.collection_sha256(db, "default")
    assert added not in (first, edited)

    delete_documents(db, "default", [str((docs / "travel.md").resolve())])
    assert cache.collection_sha256(db, "default") == edited
    assert cache.collection_sha256(db, "no-such-collection") is None


def test_groups_are_part_of_what_was_searched(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    _write(docs, "bands.md", "# Pay bands\n\nBand L3 pays 90,000 to 110,000.\n")
    ingest(db, embedder, [docs], IngestOptions(progress=False, groups=frozenset({"hr"})))
    cache = SnapshotCache()
    restricted = cache.collection_sha256(db, "default")
    ingest(db, embedder, [docs], IngestOptions(progress=False, groups=frozenset({"everyone"})))
    assert cache.collection_sha256(db, "default") != restricted
