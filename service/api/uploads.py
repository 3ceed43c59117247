"""Background uploads (admin keys only): follow one, or cancel it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from indexes.upload_jobs import UploadJob, get_job, request_cancel
from ragtune.errors import NotFoundError
from service.auth import AdminDep, State
from service.schemas import ErrorResponse, UploadJobOut, UploadReport

router = APIRouter(prefix="/v1/uploads", tags=["documents"])

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (401, 403, 404, 422, 429, 503)
}
JobId = Annotated[str, Path(max_length=64, description="The id `POST /v1/documents` gave.")]


def job_url(job_id: str) -> str:
    """Where a background upload is followed."""
    return f"/v1/uploads/{job_id}"


def job_out(job: UploadJob) -> UploadJobOut:
    """The job as the API shows it."""
    report = UploadReport.model_validate(job.report) if job.report is not None else None
    return UploadJobOut(
        id=job.id,
        url=job_url(job.id),
        collection=job.collection,
        status=job.status,
        files=job.files,
        files_done=job.files_done,
        chunks_embedded=job.chunks_embedded,
        cancel_requested=job.cancel_requested,
        created_at=job.created_at,
        finished_at=job.finished_at,
        report=report,
        error=job.error,
    )


def _found(job: UploadJob | None, job_id: str) -> UploadJob:
    if job is None:
        raise NotFoundError(
            f"No upload with id {job_id!r}",
            hint="ids are what POST /v1/documents?wait=false answered with",
        )
    return job


@router.get(
    "/{job_id}",
    response_model=UploadJobOut,
    responses=_ERRORS,
    summary="A background upload's progress and report (admin)",
)
async def get_upload(state: State, who: AdminDep, job_id: JobId) -> UploadJobOut:
    job = await run_in_threadpool(get_job, state.db, job_id)
    return job_out(_found(job, job_id))


@router.delete(
    "/{job_id}",
    response_model=UploadJobOut,
    responses=_ERRORS,
    summary="Cancel a background upload (admin)",
    description="The ingest stops before the next group of chunks it embeds (seconds): "
    "documents already written stay, whole; files it did not finish are listed in the "
    "report's `failed` and deleted from disk. A finished upload is returned as it is.",
)
async def cancel_upload(state: State, who: AdminDep, job_id: JobId) -> UploadJobOut:
    job = await run_in_threadpool(request_cancel, state.db, job_id)
    return job_out(_found(job, job_id))
