"""The few documents a principal may read, when few enough to search them exhaustively."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

import psycopg

from indexes.collections import Collection
from indexes.search.options import SearchOptions


@dataclass(frozen=True)
class FewDocuments:
    """The few documents a search may return chunks from, and how many chunks they hold."""

    ids: list[uuid.UUID]
    chunks: int


_EXCEEDS = "SELECT ragtune_collection_exceeds(%s, %s)"
_DOCUMENTS = "SELECT id, n_chunks FROM documents WHERE collection_id = %(cid)s"
_DOCUMENTS_IN_SOURCES = _DOCUMENTS + " AND source = ANY(%(sources)s)"
# How many of them, and their chunks, without sending up to exact_docs rows back: for most
# principals they are not few, and those rows were a millisecond or two of every search.
_COUNT = "SELECT count(*), coalesce(sum(d.n_chunks), 0) FROM ({} LIMIT %(limit)s) d"


def few_documents(
    conn: psycopg.Connection, collection: Collection, options: SearchOptions
) -> FewDocuments | None:
    """The documents the connection's principal may read in the collection (and in
    ``options.sources``) when they are few enough to search exhaustively; else None.

    A principal who may read 1% of a collection makes an HNSW scan step over ~99 unreadable
    neighbours for each readable one (70 ms at 100k chunks, measured), and leaves the
    full-text statistics describing rows it cannot see. Reading a few documents' chunks
    takes about 10 us a chunk and is exact. The probe reads at most ``exact_docs`` rows;
    when they are few, one more statement checks that they are at most ``exact_fraction`` of
    the collection (HNSW serves a principal who reads most of it faster).
    """
    if options.exact_docs == 0 or options.exact_fraction == 0:
        return None
    statement = _DOCUMENTS_IN_SOURCES if options.sources is not None else _DOCUMENTS
    params = {
        "cid": collection.id,
        "sources": list(options.sources or []),
        "limit": options.exact_docs,
    }
    # Never prepared: after five runs a prepared statement may switch to a generic plan, and
    # this one's scans every document (5 ms for a reader of 1% of 100k chunks, against 0.5 ms
    # planned for the real values).
    counted = conn.execute(_COUNT.format(statement), params, prepare=False).fetchone()
    documents, chunks = (int(counted[0]), int(counted[1])) if counted else (0, 0)
    if documents >= options.exact_docs or chunks > options.exact_chunks:
        return None
    if options.exact_fraction < 1:
        at_least = math.ceil(chunks / options.exact_fraction)
        row = conn.execute(_EXCEEDS, (collection.id, at_least - 1)).fetchone()
        if row is None or not row[0]:
            return None
    rows = conn.execute(statement + " LIMIT %(limit)s", params, prepare=False).fetchall()
    # Listed after counting: a document added or removed in between changes which chunks the
    # exact path reads, never what the principal may read (row-level security decides).
    return FewDocuments([doc_id for doc_id, _ in rows], sum(n for _, n in rows))
