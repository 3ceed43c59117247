"""The record of one eval run: per-item results, metrics, configuration and the gate's verdict.

This is the ``run.json`` contract (and the ``run`` column of ``eval_runs``). It is read back
as the baseline of a later run, possibly from a file someone edited, so it is a pydantic model
that validates on the way in. Per item, every metric is a *contribution* ``(numerator,
denominator)``: a run's value is the sum of numerators over the sum of denominators, and a
metric the item cannot be scored for is absent from ``contributions`` and named in
``unscorable`` with the reason, never NaN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.metrics import AbstentionOutcome
from ragtune.errors import InputError, NotFoundError

RUN_FORMAT = 1
ItemStatus = Literal["ok", "missing", "error"]
RunStatus = Literal["complete", "partial"]
Verdict = Literal["regression", "improvement", "no change", "n/a"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SentenceResult(_Model):
    """One answer sentence: support against the whole context, and its citations (ALCE)."""

    text: str  # as written, markers included
    supported: bool | None  # None: not judged (no context to judge against)
    score: float | None
    evidence: str
    citations: list[int] = Field(default_factory=list)
    citation_supported: bool | None = None  # the cited passages together entail it
    irrelevant_citations: list[int] = Field(default_factory=list)


class RetrievedResult(_Model):
    """One ranked search result of an item (rank 1 is the best) and whether it is a gold one."""

    rank: int
    source: str
    section: str | None = None
    page: int | None = None
    gold: bool  # matches at least one of the item's gold citations


class ItemResult(_Model):
    """One suite item in a run: what was asked, what came back, and how it scored."""

    id: str
    question: str
    expected_route: str
    answerable: bool
    user: str = "eval"
    groups: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    reference_answer: str | None = None
    status: ItemStatus
    error: str | None = None
    answer: dict[str, Any] | None = None  # the ask JSON shape as received
    route: str | None = None
    abstained: bool | None = None
    abstention: AbstentionOutcome = "unscorable"
    latency_ms: float | None = None
    adapter: str | None = None
    retrieved: list[RetrievedResult] | None = None  # None: the target recorded no retrieval
    sentences: list[SentenceResult] = Field(default_factory=list)
    contributions: dict[str, tuple[float, float]] = Field(default_factory=dict)
    unscorable: dict[str, str] = Field(default_factory=dict)
    failures: list[str] = Field(default_factory=list)  # what JUnit reports as this item failing


class MetricValue(_Model):
    """A run-level metric: ``value`` is None when nothing could be scored (shown as n/a)."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    scored: int = 0  # items that contributed
    unscorable: int = 0


class GateMetric(_Model):
    """The paired comparison of one metric with the baseline."""

    metric: str
    higher_is_better: bool
    paired_items: int
    baseline: float | None
    new: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    tolerance: float | None  # None: reported but not gated
    verdict: Verdict
    reason: str


class GateResult(_Model):
    """The regression gate's verdict against one baseline run."""

    baseline_run: str
    baseline_source: str
    shared_items: int
    only_in_baseline: list[str] = Field(default_factory=list)
    only_in_new: list[str] = Field(default_factory=list)
    resamples: int
    seed: int
    confidence: float
    metrics: list[GateMetric]
    regressions: list[str]  # metric names
    baseline_answers: dict[str, str] = Field(default_factory=dict)  # item id -> answer text

    @property
    def passed(self) -> bool:
        return not self.regressions


class RunRecord(_Model):
    """Everything about one run; ``status`` is partial when any item has no scored answer."""

    format: int = RUN_FORMAT
    run_id: str
    suite: str
    status: RunStatus
    started_at: str
    finished_at: str
    seconds: float
    config: dict[str, Any]
    metrics: dict[str, MetricValue]
    route_confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
    abstention_counts: dict[str, int] = Field(default_factory=dict)
    problems: list[str] = Field(default_factory=list)  # one line per missing or errored item
    items: list[ItemResult]
    gate: GateResult | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def read_run_file(path: Path) -> RunRecord:
    """A run from its ``run.json`` (or the run folder holding one); clear errors when invalid."""
    file = path / "run.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(f"Run file {file} does not exist", hint="check --baseline") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"Cannot read run file {file}: {exc}", hint="pass a run.json") from None
    try:
        return RunRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f"{file} is not a ragtune run ({exc.error_count()} problems; first: {where}: "
            f"{first['msg']})",
            hint="pass the run.json written by ragtune eval run, or a run id",
        ) from None
