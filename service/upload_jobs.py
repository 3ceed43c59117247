"""Uploads ingested in the background: the thread that runs one and records how it ends, and
the settling of the files of jobs whose process died.

``POST /v1/documents?wait=false`` stores the files within its request, as a synchronous
upload does, then answers 202 and hands them to ``start_upload_job``. The job's row
(indexes/upload_jobs.py) is what any worker answers ``GET /v1/uploads/{id}`` from.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Collection
from contextlib import ExitStack
from pathlib import Path

import psycopg

from indexes.database import Database
from indexes.documents import StoredDocument, documents_at
from indexes.ingest import IngestOptions
from indexes.ingest.files import sha256
from indexes.upload_jobs import (
    HEARTBEAT_S,
    Status,
    StoredFile,
    beat,
    create_job,
    finish_job,
    mark_settled,
    record_progress,
    unsettled_jobs,
)
from ragtune.errors import InputError, RagtuneError
from service.errors import UploadBusyError
from service.schemas import UploadReport
from service.state import ServiceState
from service.upload_files import StoredFiles, claim_name, folder_id
from service.uploads import CANCELLED, ingest_uploads

log = logging.getLogger(__name__)


class _JobWatcher:
    """Writes the ingest's progress to the job's row and reads its cancel flag back."""

    def __init__(self, db: Database, job_id: str) -> None:
        self._db = db
        self._job_id = job_id
        self.stopped = False
        self.embedded = 0  # the most chunks it was told of: a stop drops those not written

    def progress(self, files_done: int, chunks_embedded: int) -> bool:
        self.embedded = max(self.embedded, chunks_embedded)
        if record_progress(self._db, self._job_id, files_done, chunks_embedded):
            self.stopped = True
        return self.stopped


def open_upload_job(
    state: ServiceState, *, created_by: str, options: IngestOptions, stored: StoredFiles
) -> str:
    """A running job's row for the stored uploads; its id.

    Every upload has one, waited for or not: it records the files, so that a service starting
    after this process died can settle them (``settle_interrupted``).
    """
    try:
        return create_job(
            state.db,
            options.collection,
            created_by,
            len(stored.names),
            stored=stored.as_record(),
            folder=folder_id(state.uploads_dir),
        )
    except BaseException:
        stored.settle(())  # no job will ingest them: put back what was there
        stored.release()
        raise


def run_upload_job(
    state: ServiceState,
    job_id: str,
    options: IngestOptions,
    stored: StoredFiles,
    failed: dict[str, str],
) -> UploadReport:
    """Ingest the stored uploads as job ``job_id`` and record how it ends; the report, or the
    ingest's error (InputError when no file could be ingested), raised once recorded.

    The names' claims are let go only after the end is recorded (see StoredFiles.settle).
    """
    state.upload_jobs.add(job_id)
    watcher = _JobWatcher(state.db, job_id)
    ended_event = threading.Event()
    threading.Thread(
        target=_beat_until,
        args=(state.db, job_id, ended_event),
        name=f"ragtune-upload-beat-{job_id[:8]}",
        daemon=True,
    ).start()
    try:
        report = ingest_uploads(state.db, state.embedder_loader, options, stored, failed, watcher)
    except InputError as exc:  # every file failed, each reason in the message
        every = len(stored.names)
        _record(state.db, job_id, "failed", files_done=every, watcher=watcher, error=exc)
        raise
    except Exception as exc:
        _record(state.db, job_id, "failed", files_done=None, watcher=watcher, error=exc)
        raise
    else:
        ended: Status = "cancelled" if watcher.stopped else "done"
        left = sum(1 for why in report.failed.values() if why == CANCELLED)
        done = len(stored.names) - left
        report = report.model_copy(update={"job": job_id})
        _record(state.db, job_id, ended, files_done=done, watcher=watcher, report=report)
        return report
    finally:
        stored.release()
        ended_event.set()
        state.upload_jobs.discard(job_id)


def _record(
    db: Database,
    job_id: str,
    status: Status,
    *,
    files_done: int | None,
    watcher: _JobWatcher,
    error: Exception | None = None,
    report: UploadReport | None = None,
) -> None:
    """Record how job ``job_id`` ended; a database that is away is logged, not raised: the
    upload's own answer stands, and the job is found interrupted later."""
    try:
        embedded = max(watcher.embedded, report.embedded if report else 0)
        if files_done is not None:
            record_progress(db, job_id, files_done, embedded)
        if isinstance(error, InputError):
            message: str | None = f"{error.message} ({error.hint})"
        elif error is not None:
            message = f"the ingest failed: {error}"
        else:
            message = None
        body = report.model_dump(mode="json") if report else None
        finish_job(db, job_id, status, report=body, error=message)
    except (RagtuneError, psycopg.Error):
        log.exception("could not record how upload job %s ended", job_id)


def start_upload_job(
    state: ServiceState,
    *,
    created_by: str,
    options: IngestOptions,
    stored: StoredFiles,
    failed: dict[str, str],
) -> str:
    """Ingest the stored uploads on a thread of their own; the job's id, at once."""
    job_id = open_upload_job(state, created_by=created_by, options=options, stored=stored)
    try:
        threading.Thread(
            target=_run_in_background,
            args=(state, job_id, options, stored, failed),
            name=f"ragtune-upload-{job_id[:8]}",
            daemon=True,  # a shutdown marks it interrupted (service/app.py); whole documents stay
        ).start()
    except BaseException:  # no thread (the process is at its limit): nothing will ingest them
        stored.settle(())
        stored.release()
        finish_job(state.db, job_id, "failed", error="the service could not start the ingest")
        raise
    return job_id


def _run_in_background(
    state: ServiceState,
    job_id: str,
    options: IngestOptions,
    stored: StoredFiles,
    failed: dict[str, str],
) -> None:
    try:
        run_upload_job(state, job_id, options, stored, failed)
    except InputError:
        pass  # no file could be ingested: each reason is in the job's error
    except Exception:
        log.exception("upload job %s failed", job_id)


def _beat_until(db: Database, job_id: str, ended: threading.Event) -> None:
    """Beat the job's heart while its ingest runs: parsing one large PDF reports no progress
    for minutes, and must not look like a dead process."""
    while not ended.wait(HEARTBEAT_S):
        try:
            beat(db, job_id)
        except (RagtuneError, psycopg.Error):  # the database is away: the next beat may reach it
            log.warning("upload job %s: heartbeat not recorded", job_id)


SETTLE_RETRY_S = 60.0


def settle_uploads_in_background(state: ServiceState) -> None:
    """Settle the files of jobs whose process died (``settle_interrupted``) on a thread of its
    own, so the service starts at once; the jobs left (a database that is down, a name still
    held by a process on its way out) are tried again every SETTLE_RETRY_S until each is
    settled, by this thread or by its own process, or the service stops."""

    def run() -> None:
        pending: set[str] | None = None  # None: every unsettled job, as on the first pass
        while True:
            try:
                pending = set(settle_interrupted(state.db, state.uploads_dir, only=pending))
            except (OSError, RagtuneError, psycopg.Error) as exc:  # the database is away
                log.warning("the files of interrupted uploads are not settled yet: %s", exc)
            if pending == set() or state.stopping.wait(SETTLE_RETRY_S):
                return

    threading.Thread(target=run, name="ragtune-upload-settle", daemon=True).start()


def settle_interrupted(
    db: Database, root: Path, *, only: Collection[str] | None = None
) -> list[str]:
    """Keep or put back the files of background uploads whose process stopped before settling
    them (of those in ``only``, when given); the ids of the unsettled jobs left, whose process
    still holds a name or whose files could not be settled.

    A job holds its names' claims until its end is recorded, and a claim ends with its process,
    so a job whose every name can be claimed has no process left. Each file is kept when its
    document reads as it (the same SHA-256), the earlier file is put back when the document
    still reads as that one, and a file no document reads as, which replaced nothing, is
    deleted. Anything else is left as it is, and logged.
    """
    left = []
    for job in unsettled_jobs(db, folder_id(root)):
        if only is not None and job.id not in only:
            continue
        try:
            with ExitStack() as held:
                for file in job.files:
                    held.enter_context(claim_name(root, job.collection, Path(file.path).name))
                found = documents_at(db, job.collection, [f.path for f in job.files])
                not_ingested = [
                    file.name
                    for file in job.files
                    if not _settle_file(file, _hash_of(found.get(file.path)))
                ]
                mark_settled(db, job.id, not_ingested)
        except UploadBusyError:
            left.append(job.id)  # its process lives on, or a new upload holds a name: not now
        except (OSError, RagtuneError, psycopg.Error):
            log.exception("could not settle the files of upload job %s", job.id)
            left.append(job.id)
    return left


def _hash_of(document: StoredDocument | None) -> str | None:
    return document.content_hash if document else None


def _digest(path: Path) -> str | None:
    return sha256(path.read_bytes()) if path.is_file() else None


def _settle_file(file: StoredFile, stored_hash: str | None) -> bool:
    """Keep ``file`` or put the one it replaced back, by what its document (``stored_hash``)
    reads; whether the document reads as the new file."""
    current = Path(file.path)
    before = Path(file.previous) if file.previous else None
    if stored_hash is not None and _digest(current) == stored_hash:
        if before is not None:
            before.unlink(missing_ok=True)
        return True
    if stored_hash is not None and before is not None and _digest(before) == stored_hash:
        os.replace(before, current)
    elif stored_hash is None and before is None:
        current.unlink(missing_ok=True)
    else:
        log.warning(
            "left an interrupted upload's file as it is: no document reads as %s or the file"
            " it replaced",
            current.name,
        )
    return False
