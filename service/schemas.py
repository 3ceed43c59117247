"""The native API's request and response bodies (pydantic), pinned by tests to the JSON
contracts. The ask answer (``AskResponse``) is in ragtune/answer_contract.py, shared with the
agent and the eval runner."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

THREAD_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"


class AskRequest(BaseModel):
    """``POST /v1/ask`` and ``/v1/ask/stream``."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question, in plain text.")
    thread_id: str | None = Field(
        default=None, pattern=THREAD_ID_PATTERN, description="Continue this conversation."
    )
    route: Literal["auto", "rag", "adapter", "both"] = Field(
        default="auto", description="Force a route; auto lets the agent choose."
    )
    collection: str | None = Field(
        default=None,
        max_length=63,
        description="The collection to search; unset: the configured default. Unknown: 404.",
    )


class ErrorDetail(BaseModel):
    message: str
    hint: str
    type: str


class ErrorResponse(BaseModel):
    """Every error the API returns."""

    error: ErrorDetail


class DocumentOut(BaseModel):
    id: str
    source: str
    title: str
    format: str
    n_chunks: int
    groups: list[str]
    ingested_at: datetime


class DocumentList(BaseModel):
    collection: str
    documents: list[DocumentOut]


class UploadedDocument(BaseModel):
    id: str
    source: str


class UploadReport(BaseModel):
    """What one upload did; ``failed`` maps each refused file name to the reason, ``skipped``
    each file that is no document (a redirect stub) to why."""

    collection: str
    added: int
    updated: int
    unchanged: int
    failed: dict[str, str]
    skipped: dict[str, str] = {}
    chunks: int
    embedded: int
    seconds: float
    documents: list[UploadedDocument]
    job: str | None = Field(
        default=None,
        description="The upload's job id: GET /v1/uploads/{job} keeps its record (who, when, "
        "the report) after this answer.",
    )


class UploadJobOut(BaseModel):
    """A background upload (``POST /v1/documents?wait=false``): how far its ingest got and,
    once it ended, its report (``done``, ``cancelled``) or error (``failed``,
    ``interrupted``)."""

    id: str
    url: str = Field(description="Where to follow it: GET for its state, DELETE to cancel.")
    collection: str
    status: Literal["running", "done", "failed", "cancelled", "interrupted"]
    files: int = Field(description="Files stored for ingest (refused ones are in `failed`).")
    files_done: int
    chunks_embedded: int
    cancel_requested: bool
    created_at: datetime
    finished_at: datetime | None = None
    report: UploadReport | None = None
    error: str | None = None


class DeletedDocument(BaseModel):
    id: str
    deleted_chunks: int


class FeedbackRequest(BaseModel):
    """``POST /v1/feedback``: a rating of an answer in a thread."""

    model_config = ConfigDict(extra="forbid")

    thread_id: str = Field(pattern=THREAD_ID_PATTERN)
    message_id: str | None = Field(
        default=None,
        max_length=128,
        description="A key of your choosing for this rating (the chat sends its message id): "
        "a later rating with the same key replaces it. Whatever the key, the rating is of the "
        "thread's latest answer; unset: each rating is kept.",
    )
    rating: Literal["up", "down"]
    comment: str = Field(default="", max_length=4000)


class FeedbackOut(BaseModel):
    id: str
    thread_id: str
    message_id: str | None
    rating: Literal["up", "down"]
    comment: str
    created_at: datetime


class AdapterOut(BaseModel):
    name: str
    base_model: str
    method: str
    allowed_groups: list[str]
    active_scopes: list[str]
    created_at: datetime


class AdapterList(BaseModel):
    adapters: list[AdapterOut]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    database: bool
    agent: bool
    detail: str = ""
