"""Vectors of a chunk's sentences, two at a time, and the query's best similarity to them.

A chunk of 256 tokens is embedded as one vector, the mean of all it says: the sentence that
answers a question is averaged with its neighbours, and a sibling section that shares the
chunk's vocabulary scores as high. So each run of two adjacent sentences is also embedded on
its own, with the chunk's title and heading path in front (as ``embedding_text`` does for the
chunk), and search adds the best run's cosine to a candidate's score when it re-ranks
(``sentence_weight``; bench/retrieval_compare.py fits it on one corpus and reports another).
A chunk of at most two sentences is its own best run: it stores none and re-ranks by its
chunk cosine. Runs of two cost half the embedding of single sentences and ranked as well on
both corpora (single sentences, or the leaf heading alone as context, ranked worse held out).

Stored in ``chunks.sentence_vectors`` as float16 vectors packed back to back (768 bytes a
run for a 384-dimension model); float16 keeps cosines to about 1e-3, far below the
differences that re-ranking acts on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import psycopg

from indexes.embeddings import Embedder, embedding_text
from indexes.sentences import split_sentences
from indexes.tables import with_table_header

# Shorter pieces ("Yes.", "| 3 | 4 |", a lone heading word) say too little to rank by.
MIN_CHARS = 16
RUN = 2  # adjacent sentences embedded together
_STORED = np.dtype("<f2")


def sentence_runs(text: str) -> list[str]:
    """The chunk's sentences of at least MIN_CHARS, RUN at a time; none when the chunk has at
    most RUN of them (its own vector already is its best run)."""
    found = [s for s in (p.strip() for p in split_sentences(text)) if len(s) >= MIN_CHARS]
    if len(found) <= RUN:
        return []
    return [" ".join(found[i : i + RUN]) for i in range(0, len(found), RUN)]


# What is embedded of a chunk: (title, section, text, table header).
ChunkText = tuple[str, str, str, str]


def embed_sentences(embedder: Embedder, chunks: Sequence[ChunkText]) -> list[bytes | None]:
    """Packed run vectors of each chunk (None for a chunk with no runs), all embedded in one
    call. A table's rows are read with the header the chunk continues (indexes/tables.py)."""
    inputs: list[str] = []
    counts: list[int] = []
    for title, section, text, header in chunks:
        runs = sentence_runs(with_table_header(header, text))
        inputs.extend(embedding_text(title, section, run) for run in runs)
        counts.append(len(runs))
    vectors = embedder.embed(inputs) if inputs else np.zeros((0, embedder.dim), np.float32)
    packed: list[bytes | None] = []
    at = 0
    for n in counts:
        packed.append(pack(vectors[at : at + n]) if n else None)
        at += n
    return packed


def embed_chunks(
    embedder: Embedder, chunks: Sequence[ChunkText], with_runs: bool
) -> tuple[np.ndarray, list[bytes | None]]:
    """What ingest and reindex store for each chunk: its vector (``embedding_text`` of its
    own text) and, ``with_runs``, its packed runs (else None).

    The table header a chunk continues reaches the runs, whose rows it names, but not the
    chunk's own vector: on a 30-row parts table, the question's cosine with the chunk that
    answers fell from 0.43 to 0.27 with the header's Markdown before its rows."""
    vectors = embedder.embed([embedding_text(t, s, text) for t, s, text, _ in chunks])
    runs: list[bytes | None] = (
        embed_sentences(embedder, chunks) if with_runs else [None] * len(chunks)
    )
    return vectors, runs


def pack(vectors: np.ndarray) -> bytes:
    """``vectors`` (sentences x dimension) as stored."""
    return np.ascontiguousarray(vectors, dtype=_STORED).tobytes()


def unpack(blob: bytes, dim: int) -> np.ndarray:
    """The stored vectors as float32 (sentences x ``dim``); empty when ``blob`` does not fit."""
    raw = np.frombuffer(blob, dtype=_STORED)
    if dim <= 0 or raw.size == 0 or raw.size % dim:
        return np.zeros((0, max(dim, 0)), np.float32)
    return raw.reshape(-1, dim).astype(np.float32)


def best_similarity(
    query: np.ndarray, stored: Mapping[str, bytes | None], fallback: Mapping[str, float]
) -> dict[str, float]:
    """Each chunk's best run cosine with ``query`` (unit length); a chunk without stored runs
    (at most two sentences, written before runs were stored, or with them off) gets
    ``fallback``, its chunk cosine."""
    dim = int(query.shape[0])
    out: dict[str, float] = {}
    for chunk_id, blob in stored.items():
        vectors = unpack(blob, dim) if blob else np.zeros((0, dim), np.float32)
        if len(vectors):
            out[chunk_id] = float(np.max(vectors @ query))
        elif chunk_id in fallback:
            out[chunk_id] = fallback[chunk_id]
    return out


def stored_sentences(conn: psycopg.Connection, chunk_ids: Sequence[str]) -> dict[str, bytes | None]:
    """The packed sentence vectors of the chunks ``chunk_ids`` that ``conn``'s principal may
    read (row-level security applies as to any read)."""
    rows = conn.execute(
        "SELECT id::text, sentence_vectors FROM chunks WHERE id = ANY(%s::uuid[])",
        (list(chunk_ids),),
    ).fetchall()
    return {chunk_id: bytes(blob) if blob is not None else None for chunk_id, blob in rows}
