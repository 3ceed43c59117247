"""Files uploaded over HTTP: kept under one folder per collection, then ingested like any file.

A document's identity is its path, so uploading a file of the same name into the same
collection again replaces that document (and unchanged bytes embed nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from indexes.database import Database
from indexes.documents import document_by_id, documents_at
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, IngestWatcher, ingest
from indexes.loaders.dispatch import FORMATS
from ragtune.errors import InputError
from service.schemas import UploadedDocument, UploadReport
from service.text_input import text_problem
from service.upload_files import StoredFiles

# Letters and digits of any script, and a few separators; anything else becomes "_".
_UNSAFE = re.compile(r"[^\w.() -]+")
MAX_NAME_CHARS = 120
# File names are limited in bytes (255 on Linux file systems), and a replaced file's copy adds
# a 43-byte prefix (service/upload_files.py): 120 letters of a non-Latin script can exceed it.
MAX_NAME_BYTES = 200


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
    if len(cleaned) > MAX_NAME_CHARS or len(cleaned.encode()) > MAX_NAME_BYTES:
        cleaned = _shortened(cleaned)
    if not cleaned or cleaned.strip("_") == "":
        raise InputError(f"Unusable file name {filename!r}", hint="rename the file")
    suffix = PurePosixPath(cleaned).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"Unsupported file type {suffix or '(none)'}",
            hint="supported: " + ", ".join(sorted(FORMATS)),
        )
    return cleaned


def _shortened(name: str) -> str:
    """``name`` cut to MAX_NAME_CHARS characters and MAX_NAME_BYTES bytes before its
    extension, which names the format."""
    ext = PurePosixPath(name).suffix[:16]
    stem = name[: MAX_NAME_CHARS - len(ext)]
    while len(stem.encode()) + len(ext.encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .") + ext


def uploaded_path(db: Database, root: Path, collection: str, document_id: str) -> Path | None:
    """The uploaded file behind a document of ``collection`` (admin); None when the document
    is not there or was ingested from elsewhere."""
    document = document_by_id(db, collection, document_id)
    if document is None:
        return None
    path = Path(document.path)
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
    written = documents_at(db, options.collection, kept) if kept else {}
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
        documents=[UploadedDocument(id=d.id, source=d.source) for d in written.values()],
    )
