"""The ask JSON shape as the eval runner reads it, and recorded-answers files.

``AskResponse`` is the contract of ragtune/answer_contract.py (what ``ragtune ask --json``
prints and ``POST /v1/ask`` returns) read tolerantly. A recorded-answers file is JSONL, one
``{"id": <suite item id>, ...the ask shape...}`` per line; ``route`` and ``abstained`` may be
left out of recorded answers (the item is then unscorable for routing, and refusals are
recognised from the text). A recorded answer may also carry ``retrieved``, the ranked search
results for its question (what retrieval recall@k and MRR score); the ask shape itself has no
such field. A bad file is refused whole,
with every problem listed as ``file:line: problem``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from evals.jsonl import parse_records, raise_problems
from ragtune import answer_contract
from ragtune.answer_contract import CitationOut, Route, VerificationOut
from ragtune.errors import InputError, NotFoundError


class AskCitation(CitationOut):
    """One numbered source of an answer; ``quote`` is the passage text the model was given."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    n: int = Field(ge=1)
    source: str
    section: str = ""
    page: int | None = None
    chunk_id: str = ""
    quote: str = ""


class AskVerification(VerificationOut):
    """The agent's own verify-step counts (reported, not trusted: the runner re-judges)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    supported_sentences: int = 0
    total_sentences: int = 0


class AskResponse(answer_contract.AskResponse):
    """The ask JSON shape, read tolerantly: extra fields from a newer service are ignored, not
    refused, and only ``answer`` is required."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # Loosening a field's type is what this subclass is for; mypy flags each such override.
    answer: str
    route: Route | None = None  # type: ignore[assignment]
    route_reason: str = ""
    abstained: bool | None = None  # type: ignore[assignment]
    citations: list[AskCitation] = Field(default_factory=list)  # type: ignore[assignment]
    verification: AskVerification | None = None  # type: ignore[assignment]
    thread_id: str | None = None  # type: ignore[assignment]
    timings_ms: dict[str, float] = Field(default_factory=dict)


class RetrievedSource(BaseModel):
    """One ranked search result of a recorded answer: where it points, as a citation does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    section: str | None = None
    page: int | None = Field(default=None, ge=1)


class RecordedAnswer(AskResponse):
    """One line of a recorded-answers file: the suite item id plus the ask shape.

    ``retrieved`` lists the search results for the question, best first; None (left out) means
    no retrieval was recorded and the item is unscorable for recall@k and MRR, while ``[]``
    records a search that found nothing (recall 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    retrieved: list[RetrievedSource] | None = None


def parse_answers(text: str, name: str = "answers") -> dict[str, RecordedAnswer]:
    """Validate recorded-answers JSONL; raise InputError listing every problem with its line."""
    records, problems = parse_records(text, name, RecordedAnswer)
    raise_problems(
        problems,
        "answers file",
        hint='each line is {"id": <suite item id>, "answer": ..., ...the ask JSON shape}, '
        'optionally with "retrieved": [{"source": ..., "section": ..., "page": ...}, ...]',
    )
    return {record.id: record for record in records}


def load_answers(path: Path) -> dict[str, RecordedAnswer]:
    """Read and validate the recorded-answers file at ``path``, keyed by suite item id."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"Answers file {path} does not exist", hint="check --answers") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read answers file {path}: {exc}") from None
    return parse_answers(text, name=path.name)
