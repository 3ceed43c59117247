"""Ingest files into a collection: idempotent, atomic per document, resumable after a crash.

A document is written in one transaction (its row and all its chunks, or nothing), and only
after every chunk has been embedded, so a kill at any point leaves whole documents only and a
re-run finishes the job. Reading and chunking, embedding, and writing run as overlapping
stages (see ingest). Unchanged files (same content hash and groups) embed nothing; a
changed file's chunks are replaced, reusing the vectors of chunks whose text did not change.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
    workers: int = 2  # threads reading, parsing and chunking files ahead of the embedder


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


def _embed_or_fail(
    db: Database, embedder: Embedder, group: list[_Pending], report: IngestReport
) -> list[_Pending]:
    """The group with vectors filled in; on an embedding failure its documents are failed."""
    try:
        _embed_group(db, embedder, group, report)
    except (RuntimeError, ValueError, MemoryError, RagtuneError) as exc:
        reason = exc.message if isinstance(exc, RagtuneError) else str(exc)
        for item in group:
            report.failed[str(item.file.path)] = f"embedding failed: {reason}"
        return []
    return group


def _write_group(
    db: Database,
    collection: Collection,
    group: list[_Pending],
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


class _Writer:
    """Writes embedded groups on its own thread while the next group is embedded; at most
    ``depth`` groups wait, so memory stays bounded when the database is the slow side."""

    def __init__(
        self,
        db: Database,
        collection: Collection,
        groups: list[str],
        on_written: Callable[[list[_Pending]], None],
        depth: int = 2,
    ) -> None:
        self.report = IngestReport()  # only this thread writes it; merged at the end
        self._queue: queue.Queue[list[_Pending] | None] = queue.Queue(maxsize=depth)
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
                _write_group(self._db, self._collection, group, self._groups, self.report)
                self._on_written(group)
            except Exception as exc:  # noqa: BLE001 - re-raised on the calling thread
                self._error = exc

    def put(self, group: list[_Pending]) -> None:
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


@dataclass
class _Parsed:
    """What reading one file gave: a document to embed, or nothing (with why)."""

    file: SourceFile
    pending: _Pending | None = None
    unchanged: bool = False
    retag: uuid.UUID | None = None
    failure: str | None = None


def _parse(
    file: SourceFile,
    options: IngestOptions,
    embedder: Embedder,
    existing: dict[str, tuple[uuid.UUID, str, list[str]]],
    groups: list[str],
) -> _Parsed:
    """Read, hash, load and chunk one file (runs on a parse worker; touches no database)."""
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        return _Parsed(file, failure=f"cannot read: {exc.strerror or exc}")
    digest = _sha256(data)
    known = existing.get(str(file.path))
    if known is not None and known[1] == digest:
        if _groups_changed(known[2], groups):
            return _Parsed(file, retag=known[0])
        return _Parsed(file, unchanged=True)
    try:
        doc, chunks = _load(file, options, embedder)
    except RagtuneError as exc:
        return _Parsed(file, failure=exc.message.removeprefix(f"{file.path}: "))
    except Exception as exc:  # noqa: BLE001 - reported: one file fails, not the batch
        return _Parsed(file, failure=f"could not be chunked ({type(exc).__name__})")
    return _Parsed(
        file, _Pending(file, digest, len(data), doc, chunks, known[0] if known else None)
    )


def _parsed_in_order(
    files: Sequence[SourceFile], work: Callable[[SourceFile], _Parsed], workers: int
) -> Iterator[_Parsed]:
    """``work`` over ``files`` on ``workers`` threads, in file order, at most a few files ahead
    of the consumer (the embedder), so parsing overlaps embedding without piling up."""
    if workers <= 1:
        yield from map(work, files)
        return
    ahead = workers * 4
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ragtune-parse") as pool:
        pending: collections.deque[Future[_Parsed]] = collections.deque()
        it = iter(files)
        for file in itertools.islice(it, ahead):
            pending.append(pool.submit(work, file))
        while pending:
            done = pending.popleft().result()
            for file in itertools.islice(it, 1):
                pending.append(pool.submit(work, file))
            yield done


class _Progress:
    """A progress bar over files, showing chunks written per second (the ETA is tqdm's, from
    the file rate)."""

    def __init__(self, total: int, enabled: bool, desc: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=desc, unit="file", disable=not enabled, leave=False)
        self._started = time.perf_counter()
        self._chunks = 0
        self._lock = threading.Lock()

    def files(self, n: int, chunks: int = 0) -> None:
        """``n`` more files done, ``chunks`` more chunks written."""
        with self._lock:
            self._chunks += chunks
            rate = self._chunks / max(time.perf_counter() - self._started, 1e-9)
            self._bar.set_postfix_str(f"{self._chunks} chunks, {rate:.1f} chunks/s", refresh=False)
            self._bar.update(n)

    def close(self) -> None:
        """Remove the bar."""
        self._bar.close()


def _merge(report: IngestReport, written: IngestReport) -> None:
    report.added += written.added
    report.updated += written.updated
    report.chunks += written.chunks
    report.db_seconds += written.db_seconds
    report.failed.update(written.failed)


def ingest(
    db: Database, embedder: Embedder, paths: Sequence[Path], options: IngestOptions
) -> IngestReport:
    """Ingest ``paths`` (files or folders) into the collection; never raises for one bad file.

    Three stages overlap: ``options.workers`` threads read and chunk files ahead, this thread
    embeds them in groups of about _EMBED_GROUP chunks, and a writer thread stores each
    embedded group (one transaction per document) while the next group is embedded.
    """
    started = time.perf_counter()
    report = IngestReport()
    files, report.failed, roots = discover(paths)
    groups = sorted(options.groups or {EVERYONE})
    with db.administering() as conn:
        collection = ensure_collection(
            conn, options.collection, embedder.name, embedder.dim, embedder_backend(embedder)
        )
        existing = _existing(conn, collection, [str(f.path) for f in files])

    bar = _Progress(len(files), options.progress, f"ingest {options.collection}")

    def work(file: SourceFile) -> _Parsed:
        return _parse(file, options, embedder, existing, groups)

    def pending() -> Iterator[_Pending]:
        for parsed in _parsed_in_order(files, work, options.workers):
            if parsed.pending is not None:
                yield parsed.pending
                continue
            if parsed.failure is not None:
                report.failed[str(parsed.file.path)] = parsed.failure
            elif parsed.retag is not None:
                _retag(db, parsed.retag, groups)
                report.updated += 1
            else:
                report.unchanged += 1
            bar.files(1)

    writer = _Writer(
        db,
        collection,
        groups,
        lambda group: bar.files(len(group), sum(len(g.chunks) for g in group)),
    )
    try:
        for group in _batches(pending()):
            embedded = _embed_or_fail(db, embedder, group, report)
            if embedded:
                writer.put(embedded)
            else:
                bar.files(len(group))
    finally:
        try:
            writer.close()
        finally:
            bar.close()
    _merge(report, writer.report)
    if options.sync:
        report.removed = remove_missing(db, collection, roots)
    analyzing = time.perf_counter()
    if refresh_statistics(db, report.embedded):
        report.db_seconds += time.perf_counter() - analyzing
    report.seconds = time.perf_counter() - started
    return report


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
