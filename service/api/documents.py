"""Documents: list what the caller may read; upload and delete (admin keys only)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from indexes.collections import check_collection_name
from indexes.documents import delete_documents, list_documents
from indexes.ingest import ingest_options
from indexes.upload_jobs import get_job
from ragtune.errors import InputError, NotFoundError
from ragtune.principal import EVERYONE, parse_groups
from service.api.uploads import job_out, job_url
from service.auth import AdminDep, CallerDep, State
from service.errors import UploadBusyError
from service.schemas import (
    DeletedDocument,
    DocumentList,
    DocumentOut,
    ErrorResponse,
    UploadJobOut,
    UploadReport,
)
from service.state import ServiceState
from service.upload_files import StoredFiles, claim_name
from service.upload_jobs import open_upload_job, run_upload_job, start_upload_job
from service.uploads import ingest_uploads, safe_file_name, uploaded_path

router = APIRouter(prefix="/v1/documents", tags=["documents"])

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 422, 429, 503)
}
# Another upload of the same file name into the same collection is being ingested.
_BUSY: dict[int | str, dict[str, object]] = {409: {"model": ErrorResponse}}
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
        if coll != state.settings.collection:
            raise  # a misspelt name is not an empty collection
        docs = []  # the default collection before anything was ingested lists nothing
    return DocumentList(
        collection=coll, documents=[DocumentOut.model_validate(asdict(d)) for d in docs]
    )


@router.post(
    "",
    response_model=UploadReport,
    status_code=201,
    responses={
        **_ERRORS,
        **_BUSY,
        202: {
            "model": UploadJobOut,
            "description": "With `wait=false`: stored, and being ingested in the background.",
        },
    },
    summary="Upload and ingest files (admin)",
    description="Multipart form: one or more `files`, optional `groups` (comma-separated, "
    "default everyone) and `collection`. Files that cannot be ingested are listed in "
    "`failed` with the reason, redirect stubs (no text of their own) in `skipped`; the others "
    "are ingested. When every file failed the answer is a 400 error that gives each reason. "
    "An upload is ingested within its request (about 20 chunks a second on a CPU); with "
    "`wait=false` the files are stored, the answer is 202 with the job to follow "
    "(`GET /v1/uploads/{id}`, also its `Location`), and the ingest runs on. A file whose "
    "name another upload into the collection is still ingesting is refused (`409` when it is "
    "the only file).",
)
async def upload_documents(
    state: State,
    who: AdminDep,
    files: Annotated[list[UploadFile], File(description="The files to ingest.")],
    groups: Annotated[str | None, Form(max_length=1000)] = None,
    collection: Annotated[str | None, Form(max_length=63)] = None,
    collection_query: Annotated[
        str | None,
        Query(
            alias="collection",
            max_length=63,
            description="The collection, as the form field `collection` may also name it.",
        ),
    ] = None,
    wait: Annotated[
        bool, Query(description="false: answer 202 once stored and ingest in the background.")
    ] = True,
) -> UploadReport | JSONResponse:
    if collection and collection_query and collection != collection_query:
        raise InputError(
            f"The form names collection {collection!r} and the query {collection_query!r}",
            hint="name the collection once, in the form field or in ?collection=",
        )
    coll = _collection(state, collection or collection_query)
    readers = parse_groups(groups) or frozenset({EVERYONE})
    stored = StoredFiles()
    failed: dict[str, str] = {}
    busy: list[UploadBusyError] = []
    try:
        for upload in files:
            given = upload.filename or "(unnamed)"
            name = _report_key(given, failed, stored.names)
            data = await upload.read()
            try:
                safe = safe_file_name(given)
                _refuse_repeat(safe, name, stored.names)
                await run_in_threadpool(stored.store, state.uploads_dir, coll, safe, name, data)
            except InputError as exc:
                failed[name] = exc.message
            except UploadBusyError as exc:
                failed[name] = f"{exc.message}; {exc.hint}"
                busy.append(exc)
    except BaseException:
        stored.settle(())  # the request failed while storing (the disk, a disconnect)
        stored.release()
        raise
    if not stored.names and not failed:
        raise InputError("No files were sent", hint="send multipart/form-data with 'files'")
    if not stored.names and len(busy) == len(failed):
        raise busy[0]  # 409: nothing wrong with the files, only their timing
    options = ingest_options(state.settings, collection=coll, groups=readers, progress=False)
    if not stored.names:  # every file was refused: the error gives each reason
        return await run_in_threadpool(
            ingest_uploads, state.db, state.embedder_loader, options, stored, failed
        )
    # From here the job holds the names' claims, and lets go of them when its end is recorded.
    if wait:
        job_id = await run_in_threadpool(
            lambda: open_upload_job(
                state, created_by=who.principal.user, options=options, stored=stored
            )
        )
        return await run_in_threadpool(run_upload_job, state, job_id, options, stored, failed)
    job_id = await run_in_threadpool(
        lambda: start_upload_job(
            state, created_by=who.principal.user, options=options, stored=stored, failed=failed
        )
    )
    job = await run_in_threadpool(get_job, state.db, job_id)
    assert job is not None
    return JSONResponse(
        job_out(job).model_dump(mode="json"), status_code=202, headers={"Location": job_url(job_id)}
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
    responses=_ERRORS | _BUSY,
    summary="Delete a document and its chunks (admin)",
)
async def delete_document(
    state: State,
    who: AdminDep,
    document_id: Annotated[str, Path(description="The document's id (a UUID).")],
    collection: CollectionQuery = None,
) -> DeletedDocument:
    try:
        document_id = str(uuid.UUID(document_id))  # canonical: "urn:uuid:..." answers as a UUID
    except ValueError:
        raise NotFoundError(
            f"No document with id {document_id!r}", hint="ids are UUIDs; see GET /v1/documents"
        ) from None
    coll = _collection(state, collection)
    uploaded = await run_in_threadpool(
        uploaded_path, state.db, state.uploads_dir, coll, document_id
    )
    if uploaded is None:
        # Not an upload: a file ingested from a folder is its owner's, and stays.
        removed = await run_in_threadpool(_delete_one, state, coll, document_id)
    else:
        # An uploaded file exists for its document only. Its name is claimed as an upload
        # claims it, so a delete cannot take the file of an upload of the same name.
        with claim_name(state.uploads_dir, coll, uploaded.name):
            removed = await run_in_threadpool(_delete_one, state, coll, document_id)
            uploaded.unlink(missing_ok=True)
    return DeletedDocument(id=document_id, deleted_chunks=removed)


def _delete_one(state: ServiceState, collection: str, document_id: str) -> int:
    """The chunks deleted with the document; NotFoundError when the collection lacks it."""
    removed = delete_documents(state.db, collection, [document_id]).deleted.get(document_id)
    if removed is None:
        raise NotFoundError(
            f"No document with id {document_id!r} in collection {collection!r}",
            hint="see GET /v1/documents",
        )
    return removed
