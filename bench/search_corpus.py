"""The synthetic search-benchmark corpus: real handbook passages and their vectors, noisy
copies up to 100k rows, written with COPY into the tables ingest writes, then indexed.

Shared by bench/search_latency.py and bench/scale.py, so both measure the same kind of rows.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.handbook import QUESTIONS, Passage, sentences_by_page
from indexes.collections import Collection, create_vector_index, drop_vector_index
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.sentence_vectors import pack
from ragtune.principal import EVERYONE

COLLECTION = "bench"
SEED = 20240611
DOC_PASSAGES = 10  # passages per synthetic document: permissions are set per document
# Expected cosine between a noisy copy and its real vector: 1 / sqrt(1 + dim * sigma^2).
COPY_COSINE = 0.9


@dataclass
class Corpus:
    """The rows of the benchmark collection, in memory, so exact search can run in numpy."""

    vectors: np.ndarray  # (n, dim), unit rows
    ids: list[uuid.UUID]
    tags: np.ndarray  # (n,) tag of each row's document
    n_real: int
    rows_docs: list[tuple[Any, ...]] = field(default_factory=list)


def bench_queries(held_out: list[Passage], n_questions: int) -> list[str]:
    """The first ``n_questions`` handbook questions, then the held-out passages (none indexed)."""
    lines = QUESTIONS.read_text().splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    return questions[:n_questions] + [p.text for p in held_out]


def embed_texts(embedder: Embedder, texts: list[str], desc: str) -> tuple[np.ndarray, float]:
    """Vectors of ``texts`` in batches of 256, with a progress bar, and the seconds taken."""
    from tqdm import tqdm

    started = time.perf_counter()
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    batch = 256
    for i in tqdm(range(0, len(texts), batch), desc=desc, unit="batch", leave=False):
        out[i : i + batch] = embedder.embed(texts[i : i + batch])
    return out, time.perf_counter() - started


def _tag_documents(n_docs: int, rng: np.random.Generator) -> np.ndarray:
    """Exactly 1% of documents 'everyone', 10% 'restricted', the rest 'staff', shuffled."""
    tags = np.array(["staff"] * n_docs, dtype=object)
    order = rng.permutation(n_docs)
    n_everyone = max(1, round(n_docs * 0.01))
    n_restricted = max(1, round(n_docs * 0.10))
    tags[order[:n_everyone]] = EVERYONE
    tags[order[n_everyone : n_everyone + n_restricted]] = "restricted"
    return tags


# Sentence runs stored per synthetic chunk: the sample corpus averages about 1.6 runs a chunk
# and the handbook about 2.4 (indexes/sentence_vectors.py).
SYNTHETIC_RUNS = 2


def _synthetic_runs(vectors: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    """Packed run vectors for each chunk: its vector plus small noise, renormalised."""
    out = []
    for vector in vectors:
        noisy = vector + rng.normal(0, 0.02, size=(SYNTHETIC_RUNS, vector.shape[0]))
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        out.append(pack(noisy))
    return out


def write_rows(
    db: Database,
    collection: Collection,
    batch_name: str,
    items: list[Passage],
    vectors: np.ndarray,
    rng: np.random.Generator,
) -> tuple[list[uuid.UUID], np.ndarray]:
    """COPY ``items`` as documents of DOC_PASSAGES passages each; return chunk ids and tags.

    Each chunk gets SYNTHETIC_RUNS sentence-run vectors (its vector with noise), so search
    reads as many bytes per candidate as it does for ingested chunks."""
    runs = _synthetic_runs(vectors, rng)
    n_docs = (len(items) + DOC_PASSAGES - 1) // DOC_PASSAGES
    doc_tags = _tag_documents(n_docs, rng)
    doc_ids = [uuid.uuid4() for _ in range(n_docs)]
    chunk_ids = [uuid.uuid4() for _ in items]
    tags = np.array([doc_tags[i // DOC_PASSAGES] for i in range(len(items))], dtype=object)
    with db.administering() as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY documents (id, collection_id, path, source, title, format, content_hash,"
            " byte_size, n_chunks, allowed_groups) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                ["uuid", "int4", "text", "text", "text", "text", "text", "int8", "int4", "text[]"]
            )
            for d in range(n_docs):
                members = items[d * DOC_PASSAGES : (d + 1) * DOC_PASSAGES]
                body = "\n\n".join(p.text for p in members)
                copy.write_row(
                    (
                        doc_ids[d],
                        collection.id,
                        f"/bench/{batch_name}/{d:06d}/{members[0].source}",
                        members[0].source,
                        members[0].title,
                        "markdown",
                        hashlib.sha256(body.encode()).hexdigest(),
                        len(body.encode()),
                        len(members),
                        [str(doc_tags[d])],
                    )
                )
        with cur.copy(
            "COPY chunks (id, document_id, collection_id, ordinal, section, page, start_char,"
            " end_char, text, text_hash, allowed_groups, embedding, sentence_vectors)"
            " FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                [
                    "uuid",
                    "uuid",
                    "int4",
                    "int4",
                    "text",
                    "int4",
                    "int4",
                    "int4",
                    "text",
                    "text",
                    "text[]",
                    "vector",
                    "bytea",
                ]
            )
            offset = 0
            for i, (passage, vector) in enumerate(zip(items, vectors, strict=True)):
                ordinal = i % DOC_PASSAGES
                offset = 0 if ordinal == 0 else offset
                copy.write_row(
                    (
                        chunk_ids[i],
                        doc_ids[i // DOC_PASSAGES],
                        collection.id,
                        ordinal,
                        "",
                        None,
                        offset,
                        offset + len(passage.text),
                        passage.text,
                        passage.text_hash,
                        [str(tags[i])],
                        vector,
                        runs[i],
                    )
                )
                offset += len(passage.text) + 2
    return chunk_ids, tags


def build_index(db: Database, collection: Collection) -> tuple[float, float]:
    """(Re)build the HNSW index after a bulk load, then VACUUM ANALYZE; return both durations.

    Bigger maintenance memory keeps the graph in memory while it is built, as an operator
    would set it for a bulk load.
    """
    started = time.perf_counter()
    with db.administering() as conn:
        conn.execute("SET LOCAL maintenance_work_mem = '2GB'")
        drop_vector_index(conn, collection)
        create_vector_index(conn, collection)
    built = time.perf_counter()
    with db.admin.connection() as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE chunks")
        conn.execute("VACUUM ANALYZE documents")
        conn.autocommit = False
    return built - started, time.perf_counter() - built


def noisy_copies(
    vectors: np.ndarray, copies: int, rng: np.random.Generator
) -> tuple[np.ndarray, float, float]:
    """``copies`` noisy replicas of ``vectors``, the noise sigma, and the mean cosine to source."""
    dim = vectors.shape[1]
    sigma = float(np.sqrt((1 / COPY_COSINE**2 - 1) / dim))
    # Whole replicas of the corpus, so each copied document keeps its passages together.
    base = np.tile(vectors, (copies, 1))
    noisy = base + rng.normal(0.0, sigma, size=base.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy.astype(np.float32), sigma, float(np.mean(np.sum(noisy * base, axis=1)))


def copy_texts(
    real: list[Passage], copies: int, extra: int, root: Path, rng: np.random.Generator
) -> list[Passage]:
    """Texts for the noisy copies, in the order of noisy_copies: each real passage plus one
    random handbook sentence, so full-text ranks do not tie across copies."""
    sentences = [s for _, _, page in sentences_by_page(root) for s in page]
    picks = rng.integers(0, len(sentences), size=extra)
    out = []
    for i in range(extra):
        source = real[i % len(real)]
        out.append(Passage(source.source, source.title, f"{source.text} {sentences[picks[i]]}"))
    return out


def cached_embed(
    embedder: Embedder, texts: list[str], cache: Path | None
) -> tuple[np.ndarray, float, str]:
    """Embed ``texts``, or load the vectors a previous run saved for exactly these texts."""
    key = hashlib.sha256("\n".join([embedder.name, *texts]).encode()).hexdigest()[:16]
    if cache is not None and cache.exists():
        saved = np.load(cache)
        if str(saved["key"]) == key:
            return saved["vectors"], float(saved["seconds"]), f"cache {cache}"
    vectors, seconds = embed_texts(embedder, texts, "embed passages")
    if cache is not None:
        np.savez(cache, key=key, vectors=vectors, seconds=seconds)
    return vectors, seconds, "embedded in this run"
