"""The ingest pipeline: parse workers read and chunk files ahead, this thread embeds them in
groups, and a writer thread stores each embedded group while the next is embedded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from indexes.collections import drop_if_empty, ensure_collection, has_collection
from indexes.database import Database
from indexes.embeddings import Embedder, embedder_backend
from indexes.ingest.files import Parsed, Pending, SourceFile, discover, parse, parsed_in_order
from indexes.ingest.options import IngestOptions, IngestReport, IngestWatcher
from indexes.ingest.store import (
    Writer,
    existing_documents,
    refresh_statistics,
    remove_missing,
    retag,
    reusable_vectors,
    text_hash,
)
from indexes.sentence_vectors import embed_chunks, sentence_runs
from ragtune.errors import RagtuneError
from ragtune.principal import EVERYONE

# Embed this many chunks together; small documents are batched across files.
EMBED_GROUP = 256
# How often a watcher hears of progress (each call may be a database write).
WATCH_EVERY_S = 1.0


class _Stopped(Exception):
    """The watcher asked the ingest to stop; the group being embedded is not written."""


def _embed_group(
    db: Database,
    embedder: Embedder,
    group: list[Pending],
    report: IngestReport,
    with_sentences: bool,
    bar: _Progress,
) -> None:
    """Fill ``vectors`` (and, ``with_sentences``, ``sentences``) for every pending document,
    reusing the stored vectors of chunks whose text did not change.

    A group of more than twice EMBED_GROUP chunks (a large file) is embedded EMBED_GROUP at a
    time, telling ``bar`` after each, so that it shows progress and a stop is heard within
    seconds: _Stopped then leaves the group unwritten."""
    todo: list[tuple[Pending, int]] = []
    for item in group:
        hashes = [text_hash(c.readable) for c in item.chunks]
        item.vectors = np.zeros((len(item.chunks), embedder.dim), dtype=np.float32)
        item.sentences = [None] * len(item.chunks) if with_sentences else None
        reuse: dict[str, tuple[np.ndarray, bytes | None]] = {}
        if item.existing_id is not None:
            with db.administering() as conn:
                reuse = reusable_vectors(conn, item.existing_id, hashes)
        for i, digest in enumerate(hashes):
            vector, runs = reuse.get(digest, (None, None))
            if vector is None or vector.shape != (embedder.dim,):
                todo.append((item, i))
            elif item.sentences is None:
                item.vectors[i] = vector
            elif runs is not None or not sentence_runs(item.chunks[i].readable):
                item.vectors[i], item.sentences[i] = vector, runs
            else:
                todo.append((item, i))  # stored before sentence runs were: embed both now
    if not todo:
        return
    started = time.perf_counter()
    picked = [(item.doc.title, item.chunks[i]) for item, i in todo]
    parts = [(title, c.section, c.text, c.table_header) for title, c in picked]
    slices: list[np.ndarray] = []
    packed: list[bytes | None] = []
    # A group of small documents is embedded in one call, as it always was: the int8
    # embedder's vectors move slightly with what shares their batch, and a threshold decision
    # near its bar with them. Only a group past twice the size (one large file) is sliced.
    step = EMBED_GROUP if len(parts) > 2 * EMBED_GROUP else max(len(parts), 1)
    for low in range(0, len(parts), step):
        if bar.stopping:
            raise _Stopped
        some, packs = embed_chunks(embedder, parts[low : low + step], with_sentences)
        slices.append(some)
        packed.extend(packs)
        bar.embedded(len(packs))
    vectors = np.concatenate(slices)
    report.embed_seconds += time.perf_counter() - started
    report.embedded += len(todo)
    for (item, i), vector, sentences in zip(todo, vectors, packed, strict=True):
        assert item.vectors is not None
        item.vectors[i] = vector
        if item.sentences is not None:
            item.sentences[i] = sentences


def _embed_or_fail(
    db: Database,
    embedder: Embedder,
    group: list[Pending],
    report: IngestReport,
    with_sentences: bool,
    bar: _Progress,
) -> list[Pending]:
    """The group with vectors filled in; on an embedding failure its documents are failed."""
    try:
        _embed_group(db, embedder, group, report, with_sentences, bar)
    except (RuntimeError, ValueError, MemoryError, RagtuneError) as exc:
        reason = exc.message if isinstance(exc, RagtuneError) else str(exc)
        for item in group:
            report.failed[str(item.file.path)] = f"embedding failed: {reason}"
        return []
    return group


def _batches(items: Iterable[Pending]) -> Iterator[list[Pending]]:
    group: list[Pending] = []
    size = 0
    for item in items:
        group.append(item)
        size += len(item.chunks)
        if size >= EMBED_GROUP:
            yield group
            group, size = [], 0
    if group:
        yield group


class _Progress:
    """A progress bar over files, showing chunks written per second (the ETA is tqdm's, from
    the file rate), and the watcher's ears: it hears the files done and chunks embedded about
    once a second, and its answer sets ``stopping``."""

    def __init__(
        self, total: int, enabled: bool, desc: str, watcher: IngestWatcher | None = None
    ) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=desc, unit="file", disable=not enabled, leave=False)
        self._started = time.perf_counter()
        self._files = 0
        self._chunks = 0
        self._embedded = 0
        self._lock = threading.Lock()
        self._watcher = watcher
        self._told = 0.0
        self.stopping = False

    def files(self, n: int, chunks: int = 0) -> None:
        """``n`` more files done, ``chunks`` more chunks written."""
        with self._lock:
            self._files += n
            self._chunks += chunks
            rate = self._chunks / max(time.perf_counter() - self._started, 1e-9)
            self._bar.set_postfix_str(f"{self._chunks} chunks, {rate:.1f} chunks/s", refresh=False)
            self._bar.update(n)
        self._tell_when_due()

    def embedded(self, n: int) -> None:
        """``n`` more chunks embedded (not yet written)."""
        with self._lock:
            self._embedded += n
        self._tell_when_due()

    def _tell_when_due(self) -> None:
        if self._watcher is None or time.perf_counter() - self._told < WATCH_EVERY_S:
            return
        with self._lock:
            files, embedded = self._files, self._embedded
            self._told = time.perf_counter()
        if self._watcher.progress(files, embedded):
            self.stopping = True

    def close(self) -> None:
        """Remove the bar."""
        self._bar.close()


def _merge(report: IngestReport, written: IngestReport) -> None:
    report.added += written.added
    report.updated += written.updated
    report.chunks += written.chunks
    report.db_seconds += written.db_seconds
    report.failed.update(written.failed)
    report.stored.extend(written.stored)


def ingest(
    db: Database,
    embedder: Embedder,
    paths: Sequence[Path],
    options: IngestOptions,
    watcher: IngestWatcher | None = None,
) -> IngestReport:
    """Ingest ``paths`` (files or folders) into the collection; never raises for one bad file.

    Three stages overlap: ``options.workers`` threads read and chunk files ahead, this thread
    embeds them in groups of about EMBED_GROUP chunks, and a writer thread stores each
    embedded group (one transaction per document) while the next group is embedded. A
    ``watcher`` hears the progress and may stop the ingest between groups (``stopped``).
    """
    started = time.perf_counter()
    report = IngestReport()
    files, report.failed, roots = discover(paths)
    groups = sorted(options.groups or {EVERYONE})
    with db.administering() as conn:
        created = not has_collection(conn, options.collection)
        collection = ensure_collection(
            conn, options.collection, embedder.name, embedder.dim, embedder_backend(embedder)
        )
        existing = existing_documents(conn, collection, [str(f.path) for f in files])

    bar = _Progress(len(files), options.progress, f"ingest {options.collection}", watcher)

    def work(file: SourceFile) -> Parsed:
        return parse(file, options, embedder, existing, groups)

    def pending() -> Iterator[Pending]:
        for parsed in parsed_in_order(files, work, options.workers):
            if parsed.pending is not None:
                yield parsed.pending
                continue
            if parsed.failure is not None:
                report.failed[str(parsed.file.path)] = parsed.failure
            elif parsed.skipped is not None:
                report.skipped[str(parsed.file.path)] = parsed.skipped
            elif parsed.retag is not None:
                retag(db, parsed.retag, groups)
                report.updated += 1
                report.stored.append(str(parsed.file.path))
            else:
                report.unchanged += 1
                report.stored.append(str(parsed.file.path))
            bar.files(1)

    writer = Writer(
        db,
        collection,
        groups,
        lambda group: bar.files(len(group), sum(len(g.chunks) for g in group)),
    )
    try:
        for group in _batches(pending()):
            if bar.stopping:
                raise _Stopped
            embedded = _embed_or_fail(db, embedder, group, report, options.sentence_vectors, bar)
            if embedded:
                writer.put(embedded)
            else:
                bar.files(len(group))
    except _Stopped:
        report.stopped = True
    finally:
        try:
            writer.close()
        finally:
            bar.close()
    _merge(report, writer.report)
    if options.sync:
        # A page turned into a redirect stub no longer holds the text stored for it.
        report.removed = remove_missing(db, collection, roots, [Path(p) for p in report.skipped])
    if created and not report.stored:
        with db.administering() as conn:
            drop_if_empty(conn, collection)
    analyzing = time.perf_counter()
    if refresh_statistics(db, report.embedded):
        report.db_seconds += time.perf_counter() - analyzing
    report.seconds = time.perf_counter() - started
    return report
