"""The ask JSON shape, defined once: what ``ragtune ask --json`` prints, ``POST /v1/ask``
returns (its response model, so /openapi.json names these schemas) and the eval runner reads.

It lives in the base package because the agent produces it (``Answer.to_response()``), the
service serves it and evals reads it, and evals may import neither agent nor service.
``evals.answers`` reads answers from other sources with a tolerant subclass.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Route = Literal["rag", "adapter", "both", "none"]


# No docstrings on the two models below: pydantic would publish them as schema descriptions,
# and /openapi.json is pinned (tests/snapshots/openapi.json).
class CitationOut(BaseModel):
    n: int
    source: str
    section: str
    page: int | None
    chunk_id: str
    quote: str


class VerificationOut(BaseModel):
    supported_sentences: int
    total_sentences: int
    # Whether the cited passages hold what was asked (None: not checked, e.g. the adapter
    # route), and the question's words they lack when they do not.
    answers_question: bool | None = None
    missing: list[str] = Field(default_factory=list)


class PinsOut(BaseModel):
    # What produced the answer, in hashes: the searched collection's snapshot (its documents'
    # paths, content hashes and groups), the prompt templates, the verifying judge, and the
    # adapter with its training data when one generated.
    index_snapshot_sha256: str | None
    prompt_template_sha256: str
    judge: str
    adapter: str | None = None
    adapter_data_sha256: str | None = None


class AskResponse(BaseModel):
    """Exactly what ``ragtune ask --json`` prints."""

    answer: str
    route: Route
    route_reason: str
    abstained: bool
    citations: list[CitationOut]
    verification: VerificationOut
    thread_id: str
    timings_ms: dict[str, float]
    pins: PinsOut | None = None
