"""The database side of an ingest: what the index already holds, writing whole documents (one
transaction each, on a writer thread), removing vanished files and refreshing statistics."""

from __future__ import annotations

import hashlib
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import psycopg

from indexes.collections import Collection
from indexes.database import Database
from indexes.ingest.files import Pending, StoredDocument
from indexes.ingest.options import IngestReport

_CHUNK_NAMESPACE = uuid.UUID("6f1c2a8e-3b7d-4e59-9a51-0c2d7e4b8f10")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def existing_documents(
    conn: psycopg.Connection, collection: Collection, paths: Sequence[str]
) -> dict[str, StoredDocument]:
    rows = conn.execute(
        "SELECT path, id, content_hash, allowed_groups, chunking FROM documents"
        " WHERE collection_id = %s AND path = ANY(%s)",
        (collection.id, list(paths)),
    )
    return {path: StoredDocument(*rest) for path, *rest in rows}


def reusable_vectors(
    conn: psycopg.Connection, doc_id: uuid.UUID, hashes: list[str]
) -> dict[str, tuple[np.ndarray, bytes | None]]:
    """The stored vector and packed sentence vectors of each of the document's chunks whose
    text hash is in ``hashes``."""
    rows = conn.execute(
        "SELECT DISTINCT ON (text_hash) text_hash, embedding, sentence_vectors FROM chunks"
        " WHERE document_id = %s AND text_hash = ANY(%s)",
        (doc_id, hashes),
    )
    return {
        h: (np.asarray(v.to_numpy(), dtype=np.float32), bytes(blob) if blob else None)
        for h, v, blob in rows
    }


def write_document(
    conn: psycopg.Connection, collection: Collection, item: Pending, groups: list[str]
) -> uuid.UUID:
    doc_id = item.existing_id or uuid.uuid4()
    conn.execute(
        "INSERT INTO documents (id, collection_id, path, source, title, format, content_hash,"
        " byte_size, n_chunks, allowed_groups, chunking)"
        " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (collection_id, path) DO UPDATE SET source = EXCLUDED.source,"
        " title = EXCLUDED.title, format = EXCLUDED.format,"
        " content_hash = EXCLUDED.content_hash, byte_size = EXCLUDED.byte_size,"
        " n_chunks = EXCLUDED.n_chunks, allowed_groups = EXCLUDED.allowed_groups,"
        " chunking = EXCLUDED.chunking,"
        " ingested_at = now()",
        (
            doc_id,
            collection.id,
            str(item.file.path),
            item.file.source,
            item.doc.title,
            item.doc.format,
            item.content_hash,
            item.size,
            len(item.chunks),
            groups,
            item.chunking,
        ),
    )
    conn.execute("DELETE FROM chunks WHERE document_id = %s", (doc_id,))
    assert item.vectors is not None
    rows = [
        (
            uuid.uuid5(_CHUNK_NAMESPACE, f"{doc_id}:{c.ordinal}:{text_hash(c.text)}"),
            doc_id,
            collection.id,
            c.ordinal,
            c.section,
            c.page,
            c.start_char,
            c.end_char,
            c.text,
            c.table_header,
            # Of what was embedded, so a changed table header is embedded again.
            text_hash(c.readable),
            groups,
            item.vectors[i],
            item.sentences[i] if item.sentences is not None else None,
        )
        for i, c in enumerate(item.chunks)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO chunks (id, document_id, collection_id, ordinal, section, page,"
            " start_char, end_char, text, table_header, text_hash, allowed_groups, embedding,"
            " sentence_vectors) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            rows,
        )
    return doc_id


def write_group(
    db: Database,
    collection: Collection,
    group: list[Pending],
    groups: list[str],
    report: IngestReport,
) -> None:
    """Write a group's documents on one connection, each in its own transaction (a document is
    all there or not at all, whatever happens to the others)."""
    with db.admin.connection() as conn:
        for item in group:
            started = time.perf_counter()
            try:
                with conn.transaction():
                    write_document(conn, collection, item, groups)
            except psycopg.Error as exc:
                report.failed[str(item.file.path)] = f"database write failed: {exc}".strip()
                continue
            finally:
                report.db_seconds += time.perf_counter() - started
            report.chunks += len(item.chunks)
            report.stored.append(str(item.file.path))
            if item.existing_id is None:
                report.added += 1
            else:
                report.updated += 1


class Writer:
    """Writes embedded groups on its own thread while the next group is embedded; at most
    ``depth`` groups wait, so memory stays bounded when the database is the slow side."""

    def __init__(
        self,
        db: Database,
        collection: Collection,
        groups: list[str],
        on_written: Callable[[list[Pending]], None],
        depth: int = 2,
    ) -> None:
        self.report = IngestReport()  # only this thread writes it; merged at the end
        self._queue: queue.Queue[list[Pending] | None] = queue.Queue(maxsize=depth)
        self._error: Exception | None = None
        self._db, self._collection, self._groups = db, collection, groups
        self._on_written = on_written
        self._thread = threading.Thread(target=self._run, name="ragtune-ingest-writer")
        self._thread.start()

    def _run(self) -> None:
        while (group := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain, so the producer never blocks on a dead writer
            try:
                write_group(self._db, self._collection, group, self._groups, self.report)
                self._on_written(group)
            except Exception as exc:  # noqa: BLE001 - re-raised on the calling thread
                self._error = exc

    def put(self, group: list[Pending]) -> None:
        """Queue a group (blocks while ``depth`` groups wait); raises the writer's error."""
        if self._error is not None:
            raise self._error
        self._queue.put(group)

    def close(self) -> None:
        """Write what is queued, stop the thread, raise its error if it had one."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def retag(db: Database, doc_id: uuid.UUID, groups: list[str]) -> None:
    with db.administering() as conn:
        conn.execute("UPDATE documents SET allowed_groups = %s WHERE id = %s", (groups, doc_id))
        conn.execute(
            "UPDATE chunks SET allowed_groups = %s WHERE document_id = %s", (groups, doc_id)
        )


def remove_missing(
    db: Database, collection: Collection, roots: Sequence[Path], gone: Sequence[Path] = ()
) -> int:
    """Delete documents under ``roots`` whose files no longer exist, and those of ``gone``
    (files that are no longer documents); return how many."""
    removed = 0
    with db.administering() as conn:
        if gone:
            removed += conn.execute(
                "DELETE FROM documents WHERE collection_id = %s AND path = ANY(%s)",
                (collection.id, [str(p) for p in gone]),
            ).rowcount
        for root in roots:
            prefix = str(root).rstrip("/") + "/"
            rows = conn.execute(
                "SELECT id, path FROM documents WHERE collection_id = %s"
                " AND left(path, length(%s)) = %s",
                (collection.id, prefix, prefix),
            ).fetchall()
            vanished = [doc_id for doc_id, path in rows if not Path(path).exists()]
            if vanished:
                conn.execute("DELETE FROM documents WHERE id = ANY(%s)", (vanished,))
                removed += len(vanished)
    return removed


# Share of the chunks an ingest must write before it refreshes the planner's statistics itself
# (autovacuum's own default threshold is 10% plus 50 rows, checked once a minute).
STATISTICS_SHARE = 0.1


def refresh_statistics(db: Database, written: int) -> bool:
    """ANALYZE the chunks and documents when ``written`` chunks are a large share of the table
    (or it was never analyzed); whether it did.

    Search picks its full-text candidates from these statistics (indexes/search/lexemes.py):
    without them every query word counts as rare, so right after a first ingest each search
    ranked every chunk holding any of its words, slower and ranked differently than a
    minute later, once autovacuum had analyzed the table.
    """
    if written == 0:
        return False
    with db.administering() as conn:
        row = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass"
        ).fetchone()
        rows = float(row[0]) if row else -1.0
        if rows >= 0 and written < STATISTICS_SHARE * rows:
            return False
        conn.execute("ANALYZE chunks")
        conn.execute("ANALYZE documents")
    return True
