"""The data check report: the JSON contract of ``ragtune data check --json``.

Record text never appears in a report except through ``training.data.pii.redact``, and PII
findings carry masked values only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from training.data.similarity import Method

DropReason = Literal[
    "invalid", "pii", "over_budget", "exact_duplicate", "near_duplicate", "conflict", "leakage"
]


class Issue(BaseModel):
    """A problem found in the file; errors make the check fail, warnings do not."""

    severity: Literal["error", "warning"]
    kind: str
    message: str
    line: int | None = None
    record: str | None = None


class DuplicateFinding(BaseModel):
    """A pair dropped because an earlier pair asks and answers the same."""

    kind: Literal["exact", "near"]
    line: int
    record: str
    duplicate_of_line: int
    duplicate_of: str
    method: Method
    similarity: float


class ConflictFinding(BaseModel):
    """Pairs that ask the same question and answer it differently (all are dropped)."""

    lines: list[int]
    records: list[str]
    question: str = Field(description="The first question, PII masked, at most 160 chars.")
    similarity: float = Field(description="Lowest question similarity within the group.")


class PiiFinding(BaseModel):
    """Personal data or a secret in a record; ``masked`` never holds the whole value."""

    line: int
    record: str | None
    field: str
    kind: str
    detail: str
    masked: str
    allowed: bool


class LeakageFinding(BaseModel):
    """A training question that an eval suite also asks (the pair is kept out of training)."""

    line: int
    record: str
    suite: str
    suite_line: int
    method: Method
    similarity: float


class LengthStats(BaseModel):
    """Token length distribution (nearest-rank percentiles)."""

    count: int
    min: int
    p50: int
    p95: int
    max: int
    mean: float


class TokenReport(BaseModel):
    """Token lengths of the valid pairs, in ``tokenizer``'s tokens."""

    tokenizer: str
    max_answer_tokens: int
    over_budget: int
    question: LengthStats | None
    answer: LengthStats | None


class DroppedPair(BaseModel):
    """A record or pair that will not be trained on, and why."""

    line: int
    record: str | None
    reason: DropReason
    detail: str


class SplitReport(BaseModel):
    """The deterministic train/validation split of the kept pairs."""

    seed: int
    validation_fraction: float
    train: int
    validation: int
    by_domain: dict[str, dict[str, int]]
    train_ids: list[str]
    validation_ids: list[str]


class Counts(BaseModel):
    """How many records and pairs were seen, dropped and kept."""

    records: int = Field(description="Non-blank lines (JSONL) or rows (CSV).")
    chat_records: int
    invalid: int
    pairs: int = Field(description="Valid question/answer pairs (chat records give one per turn).")
    pii_findings: int
    over_budget: int
    exact_duplicates: int
    near_duplicates: int
    conflicts: int = Field(description="Groups of pairs that contradict each other.")
    leaked: int
    dropped: int = Field(description="Invalid records plus dropped pairs.")
    kept: int
    train: int
    validation: int


class DataCheckReport(BaseModel):
    """Everything `ragtune data check` found; ``ok`` is false when the file has errors."""

    file: str
    sha256: str
    format: Literal["jsonl", "csv"]
    ok: bool
    seconds: float
    options: dict[str, float | int | bool]
    eval_suites: list[str]
    counts: Counts
    domains: dict[str, int] = Field(description="Kept pairs per domain.")
    groups: dict[str, int] = Field(description="Kept pairs per access group ('' = public).")
    issues: list[Issue]
    duplicates: list[DuplicateFinding]
    conflicts: list[ConflictFinding]
    pii: list[PiiFinding]
    leakage: list[LeakageFinding]
    tokens: TokenReport
    dropped: list[DroppedPair]
    dropped_by_reason: dict[str, int]
    split: SplitReport | None

    @property
    def errors(self) -> list[Issue]:
        """The issues that make the check fail."""
        return [i for i in self.issues if i.severity == "error"]

    def summary(self) -> str:
        """One line of counts and seconds."""
        c = self.counts
        verdict = "ok" if self.ok else f"FAILED ({len(self.errors)} errors)"
        return (
            f"{verdict}: {c.records} records, {c.pairs} pairs; kept {c.kept} "
            f"(train {c.train}, validation {c.validation}); dropped {c.dropped}: "
            f"{c.invalid} invalid, {c.pii_findings} PII findings, {c.over_budget} over budget, "
            f"{c.exact_duplicates} exact and {c.near_duplicates} near duplicates, "
            f"{c.conflicts} conflicts, {c.leaked} leaked; {self.seconds:.1f} s"
        )


def length_stats(values: Sequence[int]) -> LengthStats | None:
    if not values:
        return None
    ordered = sorted(values)

    def rank(p: float) -> int:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return LengthStats(
        count=len(ordered),
        min=ordered[0],
        p50=rank(50),
        p95=rank(95),
        max=ordered[-1],
        mean=round(sum(ordered) / len(ordered), 1),
    )
