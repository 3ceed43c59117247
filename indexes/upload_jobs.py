"""Uploads ingested in the background: their progress, their report and cancel requests.

A row per job (indexes/schema/0015_upload_jobs.sql) so that any service worker can answer for a
job another one runs. The running ingest writes its progress and reads the cancel flag between
slices of chunks it embeds (service/upload_jobs.py); nothing here holds document text.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from psycopg.types.json import Jsonb

from indexes.database import Database

Status = Literal["running", "done", "failed", "cancelled", "interrupted"]
# A running job's process beats its heart every HEARTBEAT_S, however long a file takes to
# parse or embed; a job silent for STALE_AFTER_S lost its process.
HEARTBEAT_S = 30
STALE_AFTER_S = 300

_COLUMNS = (
    "SELECT id::text, collection, created_by, status, files, files_done, chunks_embedded,"
    " cancel_requested, report, error, created_at, heartbeat_at, finished_at FROM upload_jobs"
)


@dataclass(frozen=True)
class UploadJob:
    """One background upload, as ``GET /v1/uploads/{id}`` reports it."""

    id: str
    collection: str
    created_by: str
    status: Status
    files: int
    files_done: int
    chunks_embedded: int
    cancel_requested: bool
    report: dict[str, Any] | None
    error: str | None
    created_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class StoredFile:
    """One file a background upload stored: its path, its name as uploaded, and the copy of
    the file it replaced (None: none)."""

    path: str
    name: str
    previous: str | None


@dataclass(frozen=True)
class UnsettledJob:
    """A job whose stored files were not yet kept or put back."""

    id: str
    collection: str
    files: list[StoredFile]


def create_job(
    db: Database,
    collection: str,
    created_by: str,
    files: int,
    *,
    stored: list[StoredFile] | None = None,
    folder: str = "",
) -> str:
    """A new running job for ``files`` stored files; its id.

    ``stored`` (each stored file, and the copy of the file it replaced) and ``folder`` (the id
    of the uploads folder holding them) let a later service settle the files of a job whose
    process died (``unsettled_jobs``).
    """
    job_id = str(uuid.uuid4())
    record = Jsonb([asdict(f) for f in stored or ()])
    with db.administering() as conn:
        conn.execute(
            "INSERT INTO upload_jobs (id, collection, created_by, status, files, stored, folder)"
            " VALUES (%s, %s, %s, 'running', %s, %s, %s)",
            (job_id, collection, created_by, files, record, folder),
        )
    return job_id


def record_progress(db: Database, job_id: str, files_done: int, chunks_embedded: int) -> bool:
    """Store how far the job got and beat its heart; True when a cancel was requested."""
    with db.administering() as conn:
        row = conn.execute(
            "UPDATE upload_jobs SET files_done = %s, chunks_embedded = %s, heartbeat_at = now()"
            " WHERE id = %s RETURNING cancel_requested",
            (files_done, chunks_embedded, job_id),
        ).fetchone()
    return bool(row and row[0])


def beat(db: Database, job_id: str) -> None:
    """The job's process is alive."""
    with db.administering() as conn:
        conn.execute("UPDATE upload_jobs SET heartbeat_at = now() WHERE id = %s", (job_id,))


def finish_job(
    db: Database,
    job_id: str,
    status: Status,
    *,
    report: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record how the job ended, with its report (the synchronous upload's body) or error;
    its files were settled by the job itself."""
    with db.administering() as conn:
        conn.execute(
            "UPDATE upload_jobs SET status = %s, report = %s, error = %s,"
            " finished_at = now(), heartbeat_at = now(), settled_at = now() WHERE id = %s",
            (status, Jsonb(report) if report is not None else None, error, job_id),
        )


def get_job(db: Database, job_id: str) -> UploadJob | None:
    """The job, or None for an unknown id; a running job whose heartbeat stopped is marked
    interrupted first (its process died; the documents it wrote are whole, the rest are not
    ingested)."""
    try:
        # Canonical form: uuid.UUID reads "urn:uuid:..." and "{...}", PostgreSQL does not.
        job_id = str(uuid.UUID(job_id))
    except ValueError:
        return None
    with db.administering() as conn:
        conn.execute(
            "UPDATE upload_jobs SET status = 'interrupted', finished_at = now(),"
            " error = 'the service process running it stopped'"
            " WHERE id = %s AND status = 'running'"
            " AND heartbeat_at < now() - make_interval(secs => %s)",
            (job_id, STALE_AFTER_S),
        )
        row = conn.execute(f"{_COLUMNS} WHERE id = %s", (job_id,)).fetchone()
    return UploadJob(*row) if row else None


def request_cancel(db: Database, job_id: str) -> UploadJob | None:
    """Ask a running job to stop before its next slice of chunks; the job as it is now, or
    None for an unknown id. A finished job is left as it is."""
    job = get_job(db, job_id)
    if job is None or job.status != "running":
        return job
    with db.administering() as conn:
        conn.execute(
            "UPDATE upload_jobs SET cancel_requested = true WHERE id = %s AND status = 'running'",
            (job.id,),
        )
    return get_job(db, job.id)


def interrupt_jobs(db: Database, job_ids: list[str]) -> None:
    """Mark still-running ``job_ids`` interrupted: their process is shutting down."""
    if not job_ids:
        return
    with db.administering() as conn:
        conn.execute(
            "UPDATE upload_jobs SET status = 'interrupted', finished_at = now(),"
            " error = 'the service shut down before the upload was ingested'"
            " WHERE id = ANY(%s::uuid[]) AND status = 'running'",
            (job_ids,),
        )


def unsettled_jobs(db: Database, folder: str) -> list[UnsettledJob]:
    """The jobs of uploads folder ``folder`` whose files are neither kept nor put back, oldest
    first: running ones (their process may be alive: the caller checks) and interrupted ones."""
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT id::text, collection, stored FROM upload_jobs"
            " WHERE folder = %s AND settled_at IS NULL ORDER BY created_at",
            (folder,),
        ).fetchall()
    return [
        UnsettledJob(job_id, collection, [StoredFile(**f) for f in stored])
        for job_id, collection, stored in rows
    ]


MAX_NAMES_SHOWN = 20


def mark_settled(db: Database, job_id: str, not_ingested: list[str]) -> None:
    """The job's files were kept or put back after its process stopped: a job still shown
    running is interrupted, and its error names the files ``not_ingested`` (to upload again)."""
    shown = ", ".join(not_ingested[:MAX_NAMES_SHOWN])
    if len(not_ingested) > MAX_NAMES_SHOWN:
        shown += f" and {len(not_ingested) - MAX_NAMES_SHOWN} more"
    missing = f"; not ingested (upload them again): {shown}" if not_ingested else ""
    with db.administering() as conn:
        conn.execute(
            "UPDATE upload_jobs SET settled_at = now(),"
            " status = CASE WHEN status = 'running' THEN 'interrupted' ELSE status END,"
            " error = nullif(coalesce(CASE WHEN status = 'running'"
            "   THEN 'the service process running it stopped' ELSE error END, '') || %s, ''),"
            " finished_at = coalesce(finished_at, now())"
            " WHERE id = %s",
            (missing, job_id),
        )
