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
from indexes.loaders.dispatch import FORMATS
from ragtune.errors import InputError
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
