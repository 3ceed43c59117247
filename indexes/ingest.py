"""Ingest files into a collection: idempotent, atomic per document, resumable after a crash.

A document is written in one transaction (its row and all its chunks, or nothing), and only
after every chunk has been embedded, so a kill at any point leaves whole documents only and a
re-run finishes the job. Unchanged files (same content hash and groups) embed nothing; a
changed file's chunks are replaced, reusing the vectors of chunks whose text did not change.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg

from indexes.chunking import Chunk, chunk_document
from indexes.collections import Collection, ensure_collection
from indexes.database import Database
from indexes.embeddings import Embedder, embedder_backend, embedding_text
from indexes.loaders.dispatch import FORMATS, load_file
from indexes.loaders.document import LoadedDocument
from ragtune.errors import RagtuneError
from ragtune.principal import EVERYONE

log = logging.getLogger(__name__)

_CHUNK_NAMESPACE = uuid.UUID("6f1c2a8e-3b7d-4e59-9a51-0c2d7e4b8f10")
# Embed this many chunks together; small documents are batched across files.
_EMBED_GROUP = 256


@dataclass
class IngestOptions:
    """What to ingest into, and how to chunk."""

    collection: str = "default"
    groups: frozenset[str] = frozenset({EVERYONE})
    sync: bool = False
    chunk_tokens: int = 256
    overlap_tokens: int = 32
    max_bytes: int = 50_000_000
    progress: bool = True


@dataclass
class IngestReport:
    """What one ingest run did; ``failed`` maps each failed path to its reason."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    db_seconds: float = 0.0

    def summary(self) -> str:
        """One line of counts and seconds."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.failed)} failed; {self.chunks} chunks "
            f"({self.embedded} embedded) in {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class SourceFile:
    """A file found under an ingest root."""

    path: Path
    root: Path

    @property
    def source(self) -> str:
        """Path relative to the ingest root, as citations show it."""
        return self.path.relative_to(self.root).as_posix()


@dataclass
class _Pending:
    file: SourceFile
    content_hash: str
    size: int
    doc: LoadedDocument
    chunks: list[Chunk]
    existing_id: uuid.UUID | None
    vectors: np.ndarray | None = None


def discover(paths: Iterable[Path]) -> tuple[list[SourceFile], dict[str, str], list[Path]]:
    """Files to ingest, failures for named paths that cannot be, and the directory roots."""
    files: list[SourceFile] = []
    failed: dict[str, str] = {}
    roots: list[Path] = []
    for given in paths:
        path = given.expanduser().resolve()
        if path.is_dir():
            roots.append(path)
            for found in sorted(path.rglob("*")):
                rel = found.relative_to(path).parts
                if any(part.startswith(".") for part in rel):
                    continue
                if found.is_file() and found.suffix.lower() in FORMATS:
                    files.append(SourceFile(found, path))
        elif path.is_file():
            files.append(SourceFile(path, path.parent))
        else:
            failed[str(given)] = "no such file or directory"
    unique = {f.path: f for f in files}
    return list(unique.values()), failed, roots


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _progress(total: int, enabled: bool, desc: str) -> object:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="file", disable=not enabled, leave=False)


def _existing(
    conn: psycopg.Connection, collection: Collection, paths: Sequence[str]
) -> dict[str, tuple[uuid.UUID, str, list[str]]]:
    rows = conn.execute(
        "SELECT path, id, content_hash, allowed_groups FROM documents"
        " WHERE collection_id = %s AND path = ANY(%s)",
        (collection.id, list(paths)),
    )
    return {path: (doc_id, digest, groups) for path, doc_id, digest, groups in rows}


def _reusable_vectors(
    conn: psycopg.Connection, doc_id: uuid.UUID, hashes: list[str]
) -> dict[str, np.ndarray]:
    rows = conn.execute(
        "SELECT DISTINCT ON (text_hash) text_hash, embedding FROM chunks"
        " WHERE document_id = %s AND text_hash = ANY(%s)",
        (doc_id, hashes),
    )
    return {h: np.asarray(v.to_numpy(), dtype=np.float32) for h, v in rows}


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _embed_group(
    db: Database, embedder: Embedder, group: list[_Pending], report: IngestReport
) -> None:
    """Fill ``vectors`` for every pending document, reusing unchanged chunk vectors."""
    todo: list[tuple[_Pending, int, str]] = []
    for item in group:
        hashes = [_text_hash(c.text) for c in item.chunks]
        item.vectors = np.zeros((len(item.chunks), embedder.dim), dtype=np.float32)
        reuse: dict[str, np.ndarray] = {}
        if item.existing_id is not None:
            with db.administering() as conn:
                reuse = _reusable_vectors(conn, item.existing_id, hashes)
        for i, (chunk, digest) in enumerate(zip(item.chunks, hashes, strict=True)):
            if digest in reuse and reuse[digest].shape == (embedder.dim,):
                item.vectors[i] = reuse[digest]
            else:
                todo.append((item, i, embedding_text(item.doc.title, chunk.section, chunk.text)))
    if not todo:
        return
    started = time.perf_counter()
    vectors = embedder.embed([text for _, _, text in todo])
    report.embed_seconds += time.perf_counter() - started
    report.embedded += len(todo)
    for (item, i, _), vector in zip(todo, vectors, strict=True):
        assert item.vectors is not None
        item.vectors[i] = vector


def _write_document(
    conn: psycopg.Connection, collection: Collection, item: _Pending, groups: list[str]
) -> uuid.UUID:
    doc_id = item.existing_id or uuid.uuid4()
    conn.execute(
        "INSERT INTO documents (id, collection_id, path, source, title, format, content_hash,"
        " byte_size, n_chunks, allowed_groups) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (collection_id, path) DO UPDATE SET source = EXCLUDED.source,"
        " title = EXCLUDED.title, format = EXCLUDED.format,"
        " content_hash = EXCLUDED.content_hash, byte_size = EXCLUDED.byte_size,"
        " n_chunks = EXCLUDED.n_chunks, allowed_groups = EXCLUDED.allowed_groups,"
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
        ),
    )
    conn.execute("DELETE FROM chunks WHERE document_id = %s", (doc_id,))
    assert item.vectors is not None
    rows = [
        (
            uuid.uuid5(_CHUNK_NAMESPACE, f"{doc_id}:{c.ordinal}:{_text_hash(c.text)}"),
            doc_id,
            collection.id,
            c.ordinal,
            c.section,
            c.page,
            c.start_char,
            c.end_char,
            c.text,
            _text_hash(c.text),
            groups,
            item.vectors[i],
        )
        for i, c in enumerate(item.chunks)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO chunks (id, document_id, collection_id, ordinal, section, page,"
            " start_char, end_char, text, text_hash, allowed_groups, embedding)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            rows,
        )
    return doc_id


def _flush(
    db: Database,
    embedder: Embedder,
    collection: Collection,
    group: list[_Pending],
    groups: list[str],
    report: IngestReport,
) -> None:
    try:
        _embed_group(db, embedder, group, report)
    except (RuntimeError, ValueError, MemoryError) as exc:
        for item in group:
            report.failed[str(item.file.path)] = f"embedding failed: {exc}"
        return
    for item in group:
        started = time.perf_counter()
        try:
            with db.administering() as conn:
                _write_document(conn, collection, item, groups)
        except psycopg.Error as exc:
            report.failed[str(item.file.path)] = f"database write failed: {exc}".strip()
            continue
        finally:
            report.db_seconds += time.perf_counter() - started
        report.chunks += len(item.chunks)
        if item.existing_id is None:
            report.added += 1
        else:
            report.updated += 1


def _groups_changed(old: list[str], new: list[str]) -> bool:
    return sorted(old) != sorted(new)


def _retag(db: Database, doc_id: uuid.UUID, groups: list[str]) -> None:
    with db.administering() as conn:
        conn.execute("UPDATE documents SET allowed_groups = %s WHERE id = %s", (groups, doc_id))
        conn.execute(
            "UPDATE chunks SET allowed_groups = %s WHERE document_id = %s", (groups, doc_id)
        )


def remove_missing(db: Database, collection: Collection, roots: Sequence[Path]) -> int:
    """Delete documents under ``roots`` whose files no longer exist; return how many."""
    removed = 0
    with db.administering() as conn:
        for root in roots:
            prefix = str(root).rstrip("/") + "/"
            rows = conn.execute(
                "SELECT id, path FROM documents WHERE collection_id = %s"
                " AND left(path, length(%s)) = %s",
                (collection.id, prefix, prefix),
            ).fetchall()
            gone = [doc_id for doc_id, path in rows if not Path(path).exists()]
            if gone:
                conn.execute("DELETE FROM documents WHERE id = ANY(%s)", (gone,))
                removed += len(gone)
    return removed


def _load(
    file: SourceFile, options: IngestOptions, embedder: Embedder
) -> tuple[LoadedDocument, list[Chunk]]:
    doc = load_file(file.path, max_bytes=options.max_bytes)
    chunks = chunk_document(
        doc,
        chunk_tokens=options.chunk_tokens,
        overlap_tokens=options.overlap_tokens,
        count_tokens=embedder.count_tokens,
    )
    if not chunks:
        raise RagtuneError(f"{file.path}: no text to index after chunking")
    return doc, chunks


def _batches(items: Iterable[_Pending]) -> Iterator[list[_Pending]]:
    group: list[_Pending] = []
    size = 0
    for item in items:
        group.append(item)
        size += len(item.chunks)
        if size >= _EMBED_GROUP:
            yield group
            group, size = [], 0
    if group:
        yield group


def ingest(
    db: Database, embedder: Embedder, paths: Sequence[Path], options: IngestOptions
) -> IngestReport:
    """Ingest ``paths`` (files or folders) into the collection; never raises for one bad file."""
    started = time.perf_counter()
    report = IngestReport()
    files, report.failed, roots = discover(paths)
    groups = sorted(options.groups or {EVERYONE})
    with db.administering() as conn:
        collection = ensure_collection(
            conn, options.collection, embedder.name, embedder.dim, embedder_backend(embedder)
        )
        existing = _existing(conn, collection, [str(f.path) for f in files])

    bar = _progress(len(files), options.progress, f"ingest {options.collection}")

    def pending() -> Iterator[_Pending]:
        for file in files:
            bar.update(1)  # type: ignore[attr-defined]
            try:
                data = file.path.read_bytes()
            except OSError as exc:
                report.failed[str(file.path)] = f"cannot read: {exc.strerror or exc}"
                continue
            digest = _sha256(data)
            known = existing.get(str(file.path))
            if known is not None and known[1] == digest:
                if _groups_changed(known[2], groups):
                    _retag(db, known[0], groups)
                    report.updated += 1
                else:
                    report.unchanged += 1
                continue
            try:
                doc, chunks = _load(file, options, embedder)
            except RagtuneError as exc:
                report.failed[str(file.path)] = exc.message.removeprefix(f"{file.path}: ")
                continue
            yield _Pending(file, digest, len(data), doc, chunks, known[0] if known else None)

    try:
        for group in _batches(pending()):
            _flush(db, embedder, collection, group, groups, report)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if options.sync:
        report.removed = remove_missing(db, collection, roots)
    report.seconds = time.perf_counter() - started
    return report
