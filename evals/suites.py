"""Eval suites: one JSONL line per item, validated with line-numbered errors.

A line looks like::

    {"id": "travel-01", "question": "What is the international per diem?",
     "reference_answer": "$90 per day.",
     "gold_citations": [{"source": "public/policies/travel-and-expenses.md",
                         "section": "4.1 Per diem rates"}],
     "expected_route": "rag", "answerable": true,
     "user": "eval", "groups": [], "tags": ["policy", "number"]}

``expected_route`` is where the router should send the question: ``rag`` (documents),
``adapter`` (curated domain knowledge), ``both``, or ``none`` (nothing can answer: abstain).
Every problem in a file is reported at once, each with its line number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from evals.jsonl import describe_validation, parse_records, raise_problems
from ragtune.errors import InputError, NotFoundError

Route = Literal["rag", "adapter", "both", "none"]
ROUTES: tuple[str, ...] = ("rag", "adapter", "both", "none")


class GoldCitation(BaseModel):
    """A source that answers the question; ``section`` and ``page`` narrow it when given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    section: str | None = None
    page: int | None = Field(default=None, ge=1)


class SuiteItem(BaseModel):
    """One question of a suite and what a good answer looks like."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    reference_answer: str | None = None
    gold_citations: list[GoldCitation] = Field(default_factory=list)
    expected_route: Route
    # true or false only: "yes" or 1 would be read as true without a word.
    answerable: StrictBool
    user: str = "eval"
    groups: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("groups", mode="before")
    @classmethod
    def _groups(cls, value: object) -> object:
        if isinstance(value, str):  # "hr,finance" is accepted as well as ["hr", "finance"]
            return [g.strip() for g in value.split(",") if g.strip()]
        return value

    @model_validator(mode="after")
    def _route_matches_answerable(self) -> SuiteItem:
        if self.expected_route == "none" and self.answerable:
            raise ValueError('expected_route "none" means nothing can answer: set answerable false')
        return self


class Suite(BaseModel):
    """A named list of items with unique ids."""

    name: str
    items: list[SuiteItem]

    def by_id(self) -> dict[str, SuiteItem]:
        return {item.id: item for item in self.items}


def _describe(error: ValidationError) -> list[str]:
    problems = []
    for err, phrase in zip(error.errors(), describe_validation(error), strict=True):
        if err["type"] == "literal_error" and err["loc"] == ("expected_route",):
            phrase = f"unknown expected_route {err['input']!r} (use one of {', '.join(ROUTES)})"
        problems.append(phrase)
    return problems


def parse_suite(text: str, name: str = "suite") -> Suite:
    """Validate suite JSONL; raise InputError listing every problem as ``name:line: problem``."""
    items, problems = parse_records(text, name, SuiteItem, _describe)
    if not problems and not items:
        raise InputError(
            f"Invalid suite: {name} has no items",
            hint="write one JSON object per line, one line per question (see docs/metrics.md)",
        )
    raise_problems(
        problems,
        "suite",
        hint="fix the lines listed; each line is one JSON object (see docs/metrics.md)",
    )
    return Suite(name=name, items=items)


def load_suite(path: Path) -> Suite:
    """Read and validate the suite file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"Suite file {path} does not exist", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read suite file {path}: {exc}") from None
    return parse_suite(text, name=path.name)
