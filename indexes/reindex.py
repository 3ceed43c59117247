"""Re-embed a whole collection with another model, atomically."""

from __future__ import annotations

import time
from dataclasses import dataclass

from indexes.collections import (
    create_vector_index,
    drop_vector_index,
    get_collection,
)
from indexes.database import Database
from indexes.embeddings import Embedder, embedder_backend
from indexes.sentence_vectors import embed_chunks

_BATCH = 256


@dataclass(frozen=True)
class ReindexReport:
    """What a reindex did."""

    collection: str
    old_model: str
    new_model: str
    chunks: int
    seconds: float


def reindex(
    db: Database,
    embedder: Embedder,
    collection: str,
    *,
    progress: bool = True,
    sentence_vectors: bool = True,
) -> ReindexReport:
    """Re-embed every chunk of ``collection`` with ``embedder`` in one transaction.

    Searches keep using the old vectors until the transaction commits. Sentence vectors are
    embedded again too (another model's are meaningless), or cleared without
    ``sentence_vectors``.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    with db.administering() as conn:
        coll = get_collection(conn, collection)
        conn.execute("SELECT id FROM collections WHERE id = %s FOR UPDATE", (coll.id,))
        rows = conn.execute(
            "SELECT c.id, d.title, c.section, c.text, c.table_header FROM chunks c"
            " JOIN documents d ON d.id = c.document_id WHERE c.collection_id = %s"
            " ORDER BY c.id",
            (coll.id,),
        ).fetchall()
        drop_vector_index(conn, coll)
        bar = tqdm(
            total=len(rows), desc=f"reindex {collection}", unit="chunk", disable=not progress
        )
        for i in range(0, len(rows), _BATCH):
            batch = rows[i : i + _BATCH]
            parts = [(title, section, text, header) for _, title, section, text, header in batch]
            vectors, packed = embed_chunks(embedder, parts, sentence_vectors)
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE chunks SET embedding = %s, sentence_vectors = %s WHERE id = %s",
                    [
                        (vec, blob, row[0])
                        for vec, blob, row in zip(vectors, packed, batch, strict=True)
                    ],
                )
            bar.update(len(batch))
        bar.close()
        conn.execute(
            "UPDATE collections SET embed_model = %s, embed_dim = %s, embed_backends = %s"
            " WHERE id = %s",
            (embedder.name, embedder.dim, [embedder_backend(embedder)], coll.id),
        )
        updated = get_collection(conn, collection)
        create_vector_index(conn, updated)
    return ReindexReport(
        collection, coll.embed_model, embedder.name, len(rows), time.perf_counter() - started
    )
