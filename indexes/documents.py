"""Listing and deleting documents: listing as a principal, deleting as admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from indexes.collections import get_collection
from indexes.database import Database
from ragtune.principal import Principal


@dataclass(frozen=True)
class DocumentInfo:
    """A document as listed: no text, only what identifies it."""

    id: str
    source: str
    title: str
    format: str
    n_chunks: int
    groups: list[str]
    ingested_at: datetime


def list_documents(db: Database, principal: Principal, collection: str) -> list[DocumentInfo]:
    """Documents of ``collection`` that ``principal`` may read."""
    with db.reading(principal) as conn:
        coll = get_collection(conn, collection)
        rows = conn.execute(
            "SELECT id::text, source, title, format, n_chunks, allowed_groups, ingested_at"
            " FROM documents WHERE collection_id = %s ORDER BY source",
            (coll.id,),
        ).fetchall()
    return [DocumentInfo(*row) for row in rows]


@dataclass(frozen=True)
class StoredDocument:
    """A document as its file names it: what uploads report and settle their files by."""

    id: str
    path: str
    source: str
    content_hash: str


_STORED = (
    "SELECT d.id::text, d.path, d.source, d.content_hash FROM documents d"
    " JOIN collections c ON c.id = d.collection_id WHERE c.name = %s"
)


def documents_at(db: Database, collection: str, paths: list[str]) -> dict[str, StoredDocument]:
    """The documents of ``collection`` stored for ``paths``, by path (admin); a path with no
    document is left out."""
    with db.administering() as conn:
        rows = conn.execute(f"{_STORED} AND d.path = ANY(%s)", (collection, paths)).fetchall()
    return {row[1]: StoredDocument(*row) for row in rows}


def document_by_id(db: Database, collection: str, document_id: str) -> StoredDocument | None:
    """The document of ``collection`` with id ``document_id`` (a UUID), or None (admin)."""
    with db.administering() as conn:
        row = conn.execute(f"{_STORED} AND d.id = %s", (collection, document_id)).fetchone()
    return StoredDocument(*row) if row else None


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass
class DeleteReport:
    """What a delete did, per ref: chunks removed for each ref it deleted, the refs that match
    nothing, and each source that names several documents (then none of them is deleted)."""

    deleted: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    # ref -> "id path (groups)" of every document the source names
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


def delete_documents(db: Database, collection: str, refs: list[str]) -> DeleteReport:
    """Delete documents by id, file path or source, each ref on its own.

    A source (the path shown in citations) may name several documents: the same file name
    ingested from two folders, or uploaded beside a restricted document. Such a ref deletes
    nothing and is reported with every document it names, so that the caller picks one by id
    or path instead of removing a document it did not mean (perhaps one it cannot read).
    """
    report = DeleteReport()
    with db.administering() as conn:
        coll = get_collection(conn, collection)
        for ref in refs:
            doc_id = _as_uuid(ref)
            if doc_id is not None:
                ids = [doc_id]
            else:
                path = str(Path(ref).expanduser().resolve())
                rows = conn.execute(
                    "SELECT id, path, allowed_groups FROM documents"
                    " WHERE collection_id = %s AND (path = %s OR source = %s)"
                    " ORDER BY path = %s DESC, path",
                    (coll.id, path, ref, path),
                ).fetchall()
                if rows and rows[0][1] == path:
                    rows = rows[:1]  # a path names one document, whatever shares its source
                if len(rows) > 1:
                    report.ambiguous[ref] = [
                        f"{row[0]} {row[1]} ({', '.join(row[2])})" for row in rows
                    ]
                    continue
                ids = [row[0] for row in rows]
            removed = conn.execute(
                "DELETE FROM documents WHERE collection_id = %s AND id = ANY(%s)"
                " RETURNING n_chunks",
                (coll.id, ids),
            ).fetchall()
            if removed:
                report.deleted[ref] = sum(r[0] for r in removed)
            else:
                report.missing.append(ref)
    return report
