"""Listing and deleting documents: listing as a principal, deleting as admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def delete_documents(db: Database, collection: str, refs: list[str]) -> dict[str, int]:
    """Delete documents by id, file path or source; returns chunks-removed count per ref.

    A ref that matches nothing maps to -1 so the caller can report it.
    """
    out: dict[str, int] = {}
    with db.administering() as conn:
        coll = get_collection(conn, collection)
        for ref in refs:
            doc_id = _as_uuid(ref)
            params: list[object]
            if doc_id is not None:
                where, params = "id = %s", [doc_id]
            else:
                where = "(path = %s OR source = %s)"
                params = [str(Path(ref).expanduser().resolve()), ref]
            rows = conn.execute(
                f"DELETE FROM documents WHERE collection_id = %s AND {where}"  # noqa: S608 - fixed text
                " RETURNING n_chunks",
                [coll.id, *params],
            ).fetchall()
            out[ref] = sum(r[0] for r in rows) if rows else -1
    return out
