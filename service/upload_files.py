"""An upload's files on disk: each name claimed while an upload holds it, written atomically,
and the file it replaced kept aside until the upload keeps its own file or puts that one back.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from indexes.collections import check_collection_name
from indexes.upload_jobs import StoredFile
from ragtune.errors import InputError
from service.errors import UploadBusyError

CLAIMS_FOLDER = ".claims"  # never a collection's folder: their names hold no dot


# Tries at a name whose lock file other claims keep removing; each try that loses follows a
# claim that ended, so running out means the name is busy, not that anything is wrong.
CLAIM_TRIES = 100


class NameClaim:
    """A held claim on one upload name (``claim_name``). Closing it lets the name go and
    removes the name's lock file, so the claims folder holds only names in use."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self._handle = handle
        self._path = path

    def close(self) -> None:
        """Let the name go (again: a no-op)."""
        if self._handle.closed:
            return
        try:
            # Removed while still locked: a claimant that opened it before cannot hold it after,
            # as claim_name checks that the file it locked is still the one at the path.
            self._path.unlink(missing_ok=True)
        finally:
            self._handle.close()

    def __enter__(self) -> NameClaim:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def claim_name(root: Path, collection: str, name: str) -> NameClaim:
    """An exclusive claim on file ``name`` of ``collection``'s upload folder, held until it is
    closed (``with claim_name(...):`` holds it for a block); UploadBusyError when another
    upload or a delete holds it.

    A claim spans one upload from storing its file to keeping or putting back the earlier one,
    so two uploads of one name cannot restore each other's files. It is a lock on a file
    (flock), so it holds across the service's worker processes on one machine, and it ends
    with its process.
    """
    check_collection_name(collection)
    folder = root / CLAIMS_FOLDER / collection
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    for _ in range(CLAIM_TRIES):
        handle = path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = _same_file(handle, path)
        except BlockingIOError:
            handle.close()
            break
        except BaseException:
            handle.close()
            raise
        if held:
            return NameClaim(handle, path)
        # The claim before this one ended and removed the file after this open: a lock on a
        # file no longer at the path claims nothing. Open what is there now.
        handle.close()
    raise UploadBusyError(
        f"Another upload or a delete of {name!r} in collection {collection!r} has not ended yet",
        hint="upload it again when it has ended",
    )


def _same_file(handle: BinaryIO, path: Path) -> bool:
    try:
        at_path = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(handle.fileno())
    return (held.st_dev, held.st_ino) == (at_path.st_dev, at_path.st_ino)


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
    claims: dict[str, NameClaim] = field(default_factory=dict)

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

    def as_record(self) -> list[StoredFile]:
        """Each stored file with its name as uploaded and the copy of the file it replaced,
        as a job keeps them for ``settle_interrupted``."""
        return [
            StoredFile(path, name, _str_or_none(self.previous.get(path)))
            for path, name in self.names.items()
        ]

    def settle(self, kept: Iterable[str]) -> None:
        """Keep the files of ``kept`` (their documents now read as them) and drop the copies
        of what they replaced; put every other path back as it was (or delete it).

        The names stay claimed until ``release``: a job lets go of them only once its end is
        recorded, so a starting service never takes it for a job whose process died.
        """
        keep = set(kept)
        for path in self.names:
            before = self.previous.pop(path, None)
            if path in keep:
                if before is not None:
                    before.unlink(missing_ok=True)
            elif before is not None:
                os.replace(before, path)
            else:
                Path(path).unlink(missing_ok=True)

    def release(self) -> None:
        """Let go of the names' claims (again: a no-op)."""
        for claim in self.claims.values():
            claim.close()
        self.claims.clear()


def _str_or_none(path: Path | None) -> str | None:
    return None if path is None else str(path)


FOLDER_ID_FILE = ".folder-id"  # beside the collections' claim folders: no name of theirs


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
