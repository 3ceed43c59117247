"""Documents looked up by their file (admin): what uploads report and settle their files by."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from indexes.database import Database
from indexes.documents import document_by_id, documents_at
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest


def test_a_document_is_found_by_its_path_and_its_id_with_the_hash_of_its_bytes(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    data = b"# Dock\n\nThe loading dock opens at 06:00.\n"
    (tmp_path / "dock.md").write_bytes(data)
    report = ingest(db, embedder, [tmp_path / "dock.md"], IngestOptions(progress=False))
    assert report.added == 1
    path = str((tmp_path / "dock.md").resolve())
    missing = str(tmp_path / "gone.md")
    found = documents_at(db, "default", [path, missing])
    assert list(found) == [path]
    document = found[path]
    assert document.source == "dock.md"
    assert document.content_hash == hashlib.sha256(data).hexdigest()
    assert document_by_id(db, "default", document.id) == document
    # Another collection, or an id no document has, finds nothing.
    assert documents_at(db, "other", [path]) == {}
    assert document_by_id(db, "other", document.id) is None
    assert document_by_id(db, "default", str(uuid.uuid4())) is None
