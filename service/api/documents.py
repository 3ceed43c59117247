"""Documents: list what the caller may read; upload and delete (admin keys only)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from indexes.collections import check_collection_name
from indexes.documents import delete_documents, list_documents
from indexes.ingest import IngestReport, ingest, ingest_options
from ragtune.errors import InputError, NotFoundError
from ragtune.principal import EVERYONE, parse_groups
from service.auth import AdminDep, CallerDep, State
from service.schemas import (
    DeletedDocument,
    DocumentList,
    DocumentOut,
    ErrorResponse,
    UploadedDocument,
    UploadReport,
)
from service.state import ServiceState
from service.uploads import document_ids, remove_uploads, safe_file_name, store_upload

router = APIRouter(prefix="/v1/documents", tags=["documents"])

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 422, 429, 503)
}
CollectionQuery = Annotated[
    str | None,
    Query(max_length=63, description="Collection; unset: the configured default."),
]


def _collection(state: ServiceState, name: str | None) -> str:
    return check_collection_name(name or state.settings.collection)


@router.get("", response_model=DocumentList, responses=_ERRORS, summary="Documents you may read")
async def get_documents(
    state: State, who: CallerDep, collection: CollectionQuery = None
) -> DocumentList:
    coll = _collection(state, collection)
    try:
        docs = await run_in_threadpool(list_documents, state.db, who.principal, coll)
    except NotFoundError:
        docs = []  # an empty (never ingested) collection lists nothing
    return DocumentList(
        collection=coll, documents=[DocumentOut.model_validate(asdict(d)) for d in docs]
    )


@router.post(
    "",
    response_model=UploadReport,
    status_code=201,
    responses=_ERRORS,
    summary="Upload and ingest files (admin)",
    description="Multipart form: one or more `files`, optional `groups` (comma-separated, "
    "default everyone) and `collection`. Files that cannot be ingested are listed in "
    "`failed` with the reason, redirect stubs (no text of their own) in `skipped`; the others "
    "are ingested. When every file failed the answer is a 400 error that gives each reason.",
)
async def upload_documents(
    state: State,
    who: AdminDep,
    files: Annotated[list[UploadFile], File(description="The files to ingest.")],
    groups: Annotated[str | None, Form(max_length=1000)] = None,
    collection: Annotated[str | None, Form(max_length=63)] = None,
) -> UploadReport:
    coll = _collection(state, collection)
    readers = parse_groups(groups) or frozenset({EVERYONE})
    stored: dict[str, str] = {}  # path -> name as uploaded
    failed: dict[str, str] = {}
    for upload in files:
        given = upload.filename or "(unnamed)"
        name = _report_key(given, failed, stored)
        data = await upload.read()
        try:
            safe = safe_file_name(given)
            _refuse_repeat(safe, name, stored)
            path = await run_in_threadpool(store_upload, state.uploads_dir, coll, safe, data)
        except InputError as exc:
            failed[name] = exc.message
            continue
        stored[str(path)] = name
    if not stored and not failed:
        raise InputError("No files were sent", hint="send multipart/form-data with 'files'")
    s = state.settings
    options = ingest_options(s, collection=coll, groups=readers, progress=False)

    def run() -> tuple[IngestReport, dict[str, tuple[str, str]]]:
        paths = [FsPath(p) for p in stored]
        try:
            report = ingest(state.db, state.embedder_loader(), paths, options)
        except BaseException:
            remove_uploads(paths)  # nothing was ingested: keep nothing on disk
            raise
        remove_uploads([FsPath(p) for p in (*report.failed, *report.skipped)])
        return report, document_ids(state.db, coll, paths)

    report, ids = (await run_in_threadpool(run)) if stored else (IngestReport(), {})
    for failed_path, reason in report.failed.items():
        failed[stored.get(failed_path, failed_path)] = reason
    skipped = {stored.get(path, path): reason for path, reason in report.skipped.items()}
    if failed and not (report.added or report.updated or report.unchanged or skipped):
        # Nothing of the request was ingested: an error, not "201 Created" with an empty list.
        reasons = "; ".join(f"{name}: {why}" for name, why in failed.items())
        raise InputError(
            f"No file could be ingested ({reasons})",
            hint="fix each file as its reason says and upload it again",
        )
    return UploadReport(
        collection=coll,
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        failed=failed,
        skipped=skipped,
        chunks=report.chunks,
        embedded=report.embedded,
        seconds=round(report.seconds, 3),
        documents=[UploadedDocument(id=i, source=src) for i, src in ids.values()],
    )


def _report_key(name: str, failed: dict[str, str], stored: dict[str, str]) -> str:
    """``name``, or ``name (2)``... when an earlier file of this request had the same name,
    so every file has its own line in the report."""
    taken = set(failed) | set(stored.values())
    key, n = name, 1
    while key in taken:
        n += 1
        key = f"{name} ({n})"
    return key


def _refuse_repeat(safe: str, name: str, stored: dict[str, str]) -> None:
    """InputError when an earlier file of this request is stored under the same name."""
    for path, earlier in stored.items():
        if FsPath(path).name == safe:
            raise InputError(
                f"Another file in this upload ({earlier!r}) has the same name",
                hint="upload files of the same name in separate requests or rename one",
            )


@router.delete(
    "/{document_id}",
    response_model=DeletedDocument,
    responses=_ERRORS,
    summary="Delete a document and its chunks (admin)",
)
async def delete_document(
    state: State,
    who: AdminDep,
    document_id: Annotated[str, Path(description="The document's id (a UUID).")],
    collection: CollectionQuery = None,
) -> DeletedDocument:
    try:
        uuid.UUID(document_id)
    except ValueError:
        raise NotFoundError(
            f"No document with id {document_id!r}", hint="ids are UUIDs; see GET /v1/documents"
        ) from None
    coll = _collection(state, collection)
    report = await run_in_threadpool(delete_documents, state.db, coll, [document_id])
    removed = report.deleted.get(document_id)
    if removed is None:
        raise NotFoundError(
            f"No document with id {document_id!r} in collection {coll!r}",
            hint="see GET /v1/documents",
        )
    return DeletedDocument(id=document_id, deleted_chunks=removed)
