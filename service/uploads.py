"""Files uploaded over HTTP: kept under one folder per collection, then ingested like any file.

A document's identity is its path, so uploading a file of the same name into the same
collection again replaces that document (and unchanged bytes embed nothing).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from indexes.collections import check_collection_name
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, IngestWatcher, ingest
from indexes.ingest.files import sha256
from indexes.loaders.dispatch import FORMATS
from indexes.upload_jobs import mark_settled, unsettled_jobs
from ragtune.errors import InputError
from service.errors import UploadBusyError
from service.schemas import UploadedDocument, UploadReport
from service.text_input import text_problem

log = logging.getLogger(__name__)

# Letters and digits of any script, and a few separators; anything else becomes "_".
_UNSAFE = re.compile(r"[^\w.() -]+")
MAX_NAME_CHARS = 120


def safe_file_name(filename: str) -> str:
    """The name a file is stored under; InputError, with the reason, when it cannot be used.

    A name that climbs out of the upload folder (``../../etc/x.md``, ``..\\x.md``), is
    absolute, or names a folder is refused rather than cut to its last part: cutting would
    make ``../../etc/x.md`` and ``..\\..\\windows\\x.md`` one document, the second silently
    replacing the first.
    """
    problem = text_problem(filename)
    if problem:
        raise InputError(f"Unusable file name: it {problem}", hint="rename the file")
    if "/" in filename or "\\" in filename:
        raise InputError(
            f"Unusable file name {filename!r}: a file name may not contain a folder (/ or \\)",
            hint="upload the file under its own name, without a path",
        )
    cleaned = _UNSAFE.sub("_", filename).strip(" .")
    if len(cleaned) > MAX_NAME_CHARS:  # shortened before its extension, which names the format
        ext = PurePosixPath(cleaned).suffix[:16]
        cleaned = cleaned[: MAX_NAME_CHARS - len(ext)].rstrip(" .") + ext
    if not cleaned or cleaned.strip("_") == "":
        raise InputError(f"Unusable file name {filename!r}", hint="rename the file")
    suffix = PurePosixPath(cleaned).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"Unsupported file type {suffix or '(none)'}",
            hint="supported: " + ", ".join(sorted(FORMATS)),
        )
    return cleaned


CLAIMS_FOLDER = ".claims"  # never a collection's folder: their names hold no dot


def claim_name(root: Path, collection: str, name: str) -> BinaryIO:
    """An exclusive claim on file ``name`` of ``collection``'s upload folder, held until the
    returned handle is closed; UploadBusyError when another upload or a delete holds it.

    A claim spans one upload from storing its file to keeping or putting back the earlier one,
    so two uploads of one name cannot restore each other's files. It is a lock on a file
    (flock), so it holds across the service's worker processes on one machine.
    """
    check_collection_name(collection)
    folder = root / CLAIMS_FOLDER / collection
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / name).open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UploadBusyError(
            f"Another upload of {name!r} into collection {collection!r} is being ingested",
            hint="upload it again when that one has ended",
        ) from None
    except BaseException:
        handle.close()
        raise
    return handle


@contextmanager
def claimed(root: Path, collection: str, name: str) -> Iterator[None]:
    """Hold ``claim_name`` for the block."""
    with claim_name(root, collection, name):
        yield


@dataclass
class StoredFiles:
    """One upload's files on disk: ``names`` maps each stored path to its name as uploaded,
    ``previous`` each path that held a file before to a copy of that file, ``claims`` each
    path to its claim (``claim_name``).

    A document's file is replaced before the new one is ingested (its identity is its path),
    so an upload that fails, is cancelled or is refused must put the earlier file back: the
    stored document still reads as that file.
    """

    names: dict[str, str] = field(default_factory=dict)
    previous: dict[str, Path] = field(default_factory=dict)
    claims: dict[str, BinaryIO] = field(default_factory=dict)

    def store(self, root: Path, collection: str, file_name: str, name: str, data: bytes) -> None:
        """Claim ``file_name`` and write ``data`` under it (``store_upload``), reported as
        ``name``; UploadBusyError when another upload holds that name."""
        claim = claim_name(root, collection, file_name)
        try:
            path, before = store_upload(root, collection, file_name, data)
        except BaseException:
            claim.close()
            raise
        self.names[str(path)] = name
        self.claims[str(path)] = claim
        if before is not None:
            self.previous[str(path)] = before

    def as_record(self) -> dict[str, str | None]:
        """Each stored path and the copy of the file it replaced (None: none), as a job keeps
        them for ``settle_interrupted``."""
        return {path: _str_or_none(self.previous.get(path)) for path in self.names}

    def settle(self, kept: Iterable[str]) -> None:
        """Keep the files of ``kept`` (their documents now read as them) and drop the copies
        of what they replaced; put every other path back as it was (or delete it). Then let
        go of the names' claims."""
        keep = set(kept)
        try:
            for path in self.names:
                before = self.previous.pop(path, None)
                if path in keep:
                    if before is not None:
                        before.unlink(missing_ok=True)
                elif before is not None:
                    os.replace(before, path)
                else:
                    Path(path).unlink(missing_ok=True)
        finally:
            for claim in self.claims.values():
                claim.close()
            self.claims.clear()


def _str_or_none(path: Path | None) -> str | None:
    return None if path is None else str(path)


FOLDER_ID_FILE = "folder-id"


def folder_id(root: Path) -> str:
    """The id of uploads folder ``root``, written in it on first use: a background job records
    it, so that only a service using the same folder settles the job's files."""
    path = root / CLAIMS_FOLDER / FOLDER_ID_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".folder-id-")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(uuid.uuid4().hex)
            os.link(tmp, path)  # fails when another process wrote it first: its id stands
        except FileExistsError:
            pass
        finally:
            Path(tmp).unlink(missing_ok=True)
    return path.read_text().strip()


def settle_interrupted(db: Database, root: Path) -> list[str]:
    """Keep or put back the files of background uploads whose process stopped before settling
    them; the ids of the jobs settled.

    A job holds its names' claims until it settles, and a claim ends with its process, so a job
    whose every name can be claimed has no process left. Each file is kept when its document
    reads as it (the same SHA-256), the earlier file is put back when the document still reads
    as that one, and a file no document reads as, which replaced nothing, is deleted. Anything
    else is left as it is, and logged.
    """
    settled = []
    for job in unsettled_jobs(db, folder_id(root)):
        with ExitStack() as held:
            try:
                for path in job.stored:
                    held.enter_context(claimed(root, job.collection, Path(path).name))
            except UploadBusyError:
                continue  # its process lives on, or a new upload holds a name: not now
            hashes = _content_hashes(db, job.collection, list(job.stored))
            for path, previous in job.stored.items():
                before = Path(previous) if previous else None
                _settle_file(Path(path), before, hashes.get(path))
            mark_settled(db, job.id)
            settled.append(job.id)
    return settled


def _content_hashes(db: Database, collection: str, paths: list[str]) -> dict[str, str]:
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT d.path, d.content_hash FROM documents d"
            " JOIN collections c ON c.id = d.collection_id"
            " WHERE c.name = %s AND d.path = ANY(%s)",
            (collection, paths),
        ).fetchall()
    return dict(rows)


def _digest(path: Path) -> str | None:
    return sha256(path.read_bytes()) if path.is_file() else None


def _settle_file(current: Path, before: Path | None, stored_hash: str | None) -> None:
    """Keep ``current`` or put ``before`` back, by what its document (``stored_hash``) reads."""
    if stored_hash is not None and _digest(current) == stored_hash:
        if before is not None:
            before.unlink(missing_ok=True)
    elif stored_hash is not None and before is not None and _digest(before) == stored_hash:
        os.replace(before, current)
    elif stored_hash is None and before is None:
        current.unlink(missing_ok=True)
    else:
        log.warning(
            "left an interrupted upload's file as it is: no document reads as %s or the file"
            " it replaced",
            current.name,
        )


def store_upload(root: Path, collection: str, name: str, data: bytes) -> tuple[Path, Path | None]:
    """Write ``data`` atomically to ``root/collection/name``; that path, and a copy of the file
    it replaced (None when there was none), for StoredFiles to keep or put back.

    The caller holds the name's claim (``StoredFiles.store`` does).
    """
    check_collection_name(collection)
    folder = (root / collection).resolve()
    target = (folder / name).resolve()
    if folder not in target.parents:
        raise InputError(f"Unusable file name {name!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    before: Path | None = None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if target.is_file():
            # A hard link keeps the earlier file whole while the new one takes its name.
            before = target.with_name(f".previous-{uuid.uuid4().hex}-{target.name}")
            os.link(target, before)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        if before is not None:
            before.unlink(missing_ok=True)
        raise
    return target, before


def document_ids(db: Database, collection: str, paths: list[Path]) -> dict[str, tuple[str, str]]:
    """``{path: (document id, source)}`` for those paths stored in ``collection`` (admin)."""
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT d.path, d.id::text, d.source FROM documents d"
            " JOIN collections c ON c.id = d.collection_id"
            " WHERE c.name = %s AND d.path = ANY(%s)",
            (collection, [str(p) for p in paths]),
        ).fetchall()
    return {path: (doc_id, source) for path, doc_id, source in rows}


def uploaded_path(db: Database, root: Path, collection: str, document_id: str) -> Path | None:
    """The uploaded file behind a document of ``collection`` (admin); None when the document
    is not there or was ingested from elsewhere."""
    with db.administering() as conn:
        row = conn.execute(
            "SELECT d.path FROM documents d JOIN collections c ON c.id = d.collection_id"
            " WHERE c.name = %s AND d.id = %s",
            (collection, document_id),
        ).fetchone()
    if row is None:
        return None
    path = Path(row[0])
    return path if path.is_relative_to((root / collection).resolve()) else None


CANCELLED = "not ingested: the upload was cancelled before this file was written; upload it again"


def ingest_uploads(
    db: Database,
    load_embedder: Callable[[], Embedder],
    options: IngestOptions,
    stored: StoredFiles,
    failed: dict[str, str],
    watcher: IngestWatcher | None = None,
) -> UploadReport:
    """Ingest the stored uploads and report by uploaded name, after the files already refused
    (``failed``); a file not ingested is put back as it was before the upload.

    InputError, with each file's reason, when no file of the upload could be ingested.
    """
    names = stored.names
    paths = [Path(p) for p in names]
    try:
        report = ingest(db, load_embedder(), paths, options, watcher) if paths else None
    except BaseException:
        stored.settle(())  # nothing was ingested: keep nothing of it on disk
        raise
    kept = [p for p in report.stored if p in names] if report else []
    stored.settle(kept)
    ids = document_ids(db, options.collection, [Path(p) for p in kept]) if kept else {}
    failed = dict(failed)
    skipped: dict[str, str] = {}
    if report is not None:
        failed |= {names.get(p, p): why for p, why in report.failed.items()}
        skipped = {names.get(p, p): why for p, why in report.skipped.items()}
        done = {*kept, *report.failed, *report.skipped}
        if report.stopped:
            failed |= {name: CANCELLED for p, name in names.items() if p not in done}
    cancelled = report is not None and report.stopped
    if failed and not (kept or skipped or cancelled):
        # Nothing of the request was ingested: an error, not "201 Created" with an empty list.
        reasons = "; ".join(f"{name}: {why}" for name, why in failed.items())
        raise InputError(
            f"No file could be ingested ({reasons})",
            hint="fix each file as its reason says and upload it again",
        )
    return UploadReport(
        collection=options.collection,
        added=report.added if report else 0,
        updated=report.updated if report else 0,
        unchanged=report.unchanged if report else 0,
        failed=failed,
        skipped=skipped,
        chunks=report.chunks if report else 0,
        embedded=report.embedded if report else 0,
        seconds=round(report.seconds, 3) if report else 0.0,
        documents=[UploadedDocument(id=i, source=src) for i, src in ids.values()],
    )
