"""Finding, reading and chunking the files of an ingest, ahead of the embedder and with no
database access (the pipeline passes in what the index already holds)."""

from __future__ import annotations

import collections
import hashlib
import itertools
import logging
import os
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexes.chunking import Chunk, chunk_document
from indexes.embeddings import Embedder
from indexes.ingest.options import IngestOptions
from indexes.loaders.dispatch import FORMATS, load_file
from indexes.loaders.document import LoadedDocument, RedirectStub
from ragtune.errors import RagtuneError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFile:
    """A file found under an ingest root."""

    path: Path
    root: Path

    @property
    def source(self) -> str:
        """Path relative to the ingest root, as citations show it."""
        return self.path.relative_to(self.root).as_posix()


@dataclass(frozen=True)
class StoredDocument:
    """What ingest compares a file with: the stored document of the same path."""

    id: uuid.UUID
    content_hash: str
    groups: list[str]
    chunking: str  # IngestOptions.chunking when it was chunked ("" before it was recorded)


@dataclass
class Pending:
    file: SourceFile
    content_hash: str
    size: int
    doc: LoadedDocument
    chunks: list[Chunk]
    existing_id: uuid.UUID | None
    chunking: str = ""  # IngestOptions.chunking, stored with the document
    vectors: np.ndarray | None = None
    # Each chunk's packed sentence vectors (indexes/sentence_vectors.py); None: not stored.
    sentences: list[bytes | None] | None = None


@dataclass
class Parsed:
    """What reading one file gave: a document to embed, or nothing (with why)."""

    file: SourceFile
    pending: Pending | None = None
    unchanged: bool = False
    retag: uuid.UUID | None = None
    failure: str | None = None
    skipped: str | None = None  # why it is no document (a redirect stub); not a failure


# A folder is ingested as what it holds: a link inside it to a file or folder elsewhere (a home
# directory, a mounted share) would pull in text its owner never put there, and give it the
# folder's groups.
_OUTSIDE = (
    "a link to {target}, outside the folder being ingested: ingest does not follow it; "
    "name the target itself to ingest it, or copy the file into the folder"
)


def _link_problem(link: Path, root: Path) -> str | None:
    """Why the link ``link`` under ``root`` is not read, or None when it is (it stays inside)."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return f"a link to {os.readlink(link)}, which does not exist: fix or remove the link"
    except (RuntimeError, OSError) as exc:  # a loop ("Symlink loop from ..."), a denied hop
        return f"a link that cannot be followed ({exc}): fix or remove the link"
    if not target.is_relative_to(root):
        return _OUTSIDE.format(target=target)
    return None


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
                wanted = found.is_dir() or found.suffix.lower() in FORMATS
                if found.is_symlink() and wanted:
                    problem = _link_problem(found, path)
                    if problem:
                        failed[str(found)] = problem
                        continue
                if found.is_file() and found.suffix.lower() in FORMATS:
                    files.append(SourceFile(found, path))
        elif path.is_file():
            files.append(SourceFile(path, path.parent))
        elif path.exists():
            failed[str(given)] = (
                "not a regular file (a pipe, socket or device): ingest reads files and folders"
            )
        else:
            failed[str(given)] = "no such file or directory"
    unique = {f.path: f for f in files}
    return list(unique.values()), failed, roots


def sha256(data: bytes) -> str:
    """A file's content hash as documents.content_hash stores it."""
    return hashlib.sha256(data).hexdigest()


def groups_changed(old: list[str], new: list[str]) -> bool:
    return sorted(old) != sorted(new)


def load(
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


def parse(
    file: SourceFile,
    options: IngestOptions,
    embedder: Embedder,
    existing: dict[str, StoredDocument],
    groups: list[str],
) -> Parsed:
    """Read, hash, load and chunk one file (runs on a parse worker; touches no database)."""
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        return Parsed(file, failure=f"cannot read: {exc.strerror or exc}")
    digest = sha256(data)
    known = existing.get(str(file.path))
    if known is not None and known.content_hash == digest and known.chunking == options.chunking:
        if groups_changed(known.groups, groups):
            return Parsed(file, retag=known.id)
        return Parsed(file, unchanged=True)
    try:
        doc, chunks = load(file, options, embedder)
    except RedirectStub as exc:
        return Parsed(file, skipped=exc.message.removeprefix(f"{file.path}: "))
    except RagtuneError as exc:
        # The hint says what to do about it (re-save as UTF-8, re-export the PDF).
        reason = exc.message.removeprefix(f"{file.path}: ")
        return Parsed(file, failure=f"{reason}; {exc.hint}" if exc.hint else reason)
    except Exception as exc:  # noqa: BLE001 - reported: one file fails, not the batch
        # The log keeps where it failed (a bug in a library, or ours, is otherwise invisible),
        # not the message, which may quote the document.
        where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
        log.warning("chunking %s failed: %s at\n%s", file.path, type(exc).__name__, where)
        said = str(exc).splitlines()[0][:200] if str(exc) else ""
        why = f"{type(exc).__name__}: {said}" if said else type(exc).__name__
        return Parsed(file, failure=f"could not be chunked ({why})")
    known_id = known.id if known else None
    return Parsed(file, Pending(file, digest, len(data), doc, chunks, known_id, options.chunking))


def parsed_in_order(
    files: Sequence[SourceFile], work: Callable[[SourceFile], Parsed], workers: int
) -> Iterator[Parsed]:
    """``work`` over ``files`` on ``workers`` threads, in file order, at most a few files ahead
    of the consumer (the embedder), so parsing overlaps embedding without piling up."""
    if workers <= 1:
        yield from map(work, files)
        return
    ahead = workers * 4
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ragtune-parse") as pool:
        pending: collections.deque[Future[Parsed]] = collections.deque()
        it = iter(files)
        for file in itertools.islice(it, ahead):
            pending.append(pool.submit(work, file))
        while pending:
            done = pending.popleft().result()
            for file in itertools.islice(it, 1):
                pending.append(pool.submit(work, file))
            yield done
