"""Files uploaded over HTTP: kept under one folder per collection, then ingested like any file.

A document's identity is its path, so uploading a file of the same name into the same
collection again replaces that document (and unchanged bytes embed nothing).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path, PurePosixPath

from indexes.collections import check_collection_name
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, IngestWatcher, ingest
from indexes.loaders.dispatch import FORMATS
from ragtune.errors import InputError
from service.schemas import UploadedDocument, UploadReport
from service.text_input import text_problem

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
    cleaned = _UNSAFE.sub("_", filename).strip(" .")[:MAX_NAME_CHARS]
    if not cleaned or cleaned.strip("_") == "":
        raise InputError(f"Unusable file name {filename!r}", hint="rename the file")
    suffix = PurePosixPath(cleaned).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"Unsupported file type {suffix or '(none)'}",
            hint="supported: " + ", ".join(sorted(FORMATS)),
        )
    return cleaned


def store_upload(root: Path, collection: str, name: str, data: bytes) -> Path:
    """Write ``data`` atomically to ``root/collection/name`` and return that path."""
    check_collection_name(collection)
    folder = (root / collection).resolve()
    target = (folder / name).resolve()
    if folder not in target.parents:
        raise InputError(f"Unusable file name {name!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def remove_uploads(paths: list[Path]) -> None:
    """Delete stored uploads that were not ingested, so nothing unindexed stays on disk."""
    for path in paths:
        path.unlink(missing_ok=True)


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


CANCELLED = "not ingested: the upload was cancelled before this file was written; upload it again"


def ingest_uploads(
    db: Database,
    embedder: Embedder,
    options: IngestOptions,
    stored: dict[str, str],
    failed: dict[str, str],
    watcher: IngestWatcher | None = None,
) -> UploadReport:
    """Ingest the stored uploads (``{path: name as uploaded}``) and report by uploaded name,
    after the files already refused (``failed``); what was not ingested is deleted from disk.

    InputError, with each file's reason, when no file of the upload could be ingested.
    """
    paths = [Path(p) for p in stored]
    try:
        report = ingest(db, embedder, paths, options, watcher) if paths else None
    except BaseException:
        remove_uploads(paths)  # nothing was ingested: keep nothing on disk
        raise
    ids = document_ids(db, options.collection, paths) if report else {}
    failed = dict(failed)
    skipped: dict[str, str] = {}
    if report is not None:
        failed |= {stored.get(p, p): why for p, why in report.failed.items()}
        skipped = {stored.get(p, p): why for p, why in report.skipped.items()}
        unreached = [p for p in stored if p not in ids and p not in report.failed]
        unreached = [p for p in unreached if p not in report.skipped]
        if report.stopped:
            failed |= {stored[p]: CANCELLED for p in unreached}
        remove_uploads([Path(p) for p in (*report.failed, *report.skipped, *unreached)])
    ingested = report is not None and bool(report.added or report.updated or report.unchanged)
    cancelled = report is not None and report.stopped
    if failed and not (ingested or skipped or cancelled):
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
