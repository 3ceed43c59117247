"""A run's metrics: which there are, how the items' results add up to them, how they print.

``METRICS`` names every metric a run reports and the gate compares; ``aggregate`` adds up the
per-item contributions that evals/runs/scoring.py records (the one aggregation path: run.json,
the reports, the store and the gate all read its values). Each metric is either a *ratio* (sum
of the items' numerators over the sum of their denominators: a mean over answers when every
denominator is 1, a rate over sentences for the sentence hallucination rate) or a latency
*percentile*. docs/metrics.md defines each one; evals/metrics.py holds the per-answer metric
functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from evals.runs.record import GateMetric, ItemResult, MetricValue


@dataclass(frozen=True)
class MetricSpec:
    """A reported metric; ``percentile`` is set for latency metrics (over ``latency_ms``)."""

    name: str
    label: str
    higher_is_better: bool
    kind: Literal["ratio", "percentile"] = "ratio"
    percentile: float = 0.0


# The cut-offs of retrieval recall@k: @1 asks whether the best hit is a gold source, @5
# whether the agent's default five sources (agent_sources_k) hold them.
RETRIEVAL_KS: tuple[int, ...] = (1, 5)


def recall_at_k_metric(k: int) -> str:
    """The run-metric name of retrieval recall at cut-off ``k``."""
    return f"retrieval_recall_at_{k}"


RETRIEVAL_METRICS: tuple[str, ...] = (
    *(recall_at_k_metric(k) for k in RETRIEVAL_KS),
    "retrieval_mrr",
)

METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("citation_recall", "Citation recall (ALCE)", True),
    MetricSpec("citation_precision", "Citation precision (ALCE)", True),
    MetricSpec("gold_citation_precision", "Citation correctness: precision", True),
    MetricSpec("gold_citation_recall", "Citation correctness: recall", True),
    *(
        MetricSpec(recall_at_k_metric(k), f"Retrieval recall@{k} (gold sources)", True)
        for k in RETRIEVAL_KS
    ),
    MetricSpec("retrieval_mrr", "Retrieval MRR (gold sources)", True),
    MetricSpec("hallucination_sentence_rate", "Hallucination rate (sentences)", False),
    MetricSpec("hallucination_answer_rate", "Hallucination rate (answers)", False),
    MetricSpec("answers_question", "Answers the question (cited evidence)", True),
    MetricSpec("answer_f1", "Answer token F1", True),
    MetricSpec("semantic_similarity", "Answer semantic similarity", True),
    MetricSpec("abstention_precision", "Abstention precision", True),
    MetricSpec("abstention_recall", "Abstention recall", True),
    MetricSpec("route_accuracy", "Route accuracy", True),
    MetricSpec("latency_p50_ms", "Latency p50 (ms)", False, "percentile", 50.0),
    MetricSpec("latency_p95_ms", "Latency p95 (ms)", False, "percentile", 95.0),
)
BY_NAME: dict[str, MetricSpec] = {m.name: m for m in METRICS}
RATIO_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.kind == "ratio")


def metric_value(spec: MetricSpec, items: Sequence[ItemResult]) -> MetricValue:
    """``spec`` over ``items``; value None (n/a) when no item could be scored for it."""
    if spec.kind == "percentile":
        latencies = [i.latency_ms for i in items if i.latency_ms is not None]
        value = float(np.percentile(latencies, spec.percentile)) if latencies else None
        return MetricValue(
            value=value, scored=len(latencies), unscorable=len(items) - len(latencies)
        )
    parts = [i.contributions[spec.name] for i in items if spec.name in i.contributions]
    numerator = float(sum(p[0] for p in parts))
    denominator = float(sum(p[1] for p in parts))
    return MetricValue(
        value=numerator / denominator if denominator else None,
        numerator=numerator,
        denominator=denominator,
        scored=sum(1 for p in parts if p[1]),
        # Items outside a denominator by definition (an answered item for abstention
        # precision) are not unscorable; only those that could not be told are.
        unscorable=sum(1 for i in items if spec.name in i.unscorable),
    )


def aggregate(items: Sequence[ItemResult]) -> dict[str, MetricValue]:
    """Every metric of ``METRICS`` over ``items``."""
    return {spec.name: metric_value(spec, items) for spec in METRICS}


def format_value(name: str, value: float | None) -> str:
    """A metric value for reports: n/a, milliseconds as integers, rates to three decimals."""
    if value is None:
        return "n/a"
    if name.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def format_change(name: str, value: float | None) -> str:
    """A signed change, in the metric's unit."""
    if value is None:
        return "n/a"
    return f"{value:+.0f}" if name.endswith("_ms") else f"{value:+.3f}"


# The gate's columns: both values are over the items the gate paired (docs/metrics.md), so
# "this run, paired" - "baseline, paired" = "change"; the "value" column is the whole run's.
GATE_HEADERS = ("baseline, paired", "this run, paired", "change", "CI", "verdict")


def gate_cells(name: str, gate: GateMetric | None) -> list[str]:
    """A metric's gate as report cells under GATE_HEADERS (blanks for a metric the gate did
    not compare)."""
    if gate is None:
        return ["", "", "", "", ""]
    ci = (
        f"[{format_change(name, gate.ci_low)}, {format_change(name, gate.ci_high)}]"
        if gate.ci_low is not None
        else "n/a"
    )
    return [
        format_value(name, gate.baseline),
        format_value(name, gate.new),
        format_change(name, gate.change),
        ci,
        gate.verdict,
    ]


def retrieval_note(config: dict[str, Any]) -> str | None:
    """One line saying how a run scored retrieval (the k of recall@k, where the ranking came
    from, or why it was not scored), from the run's ``config["retrieval"]``; None if absent."""
    retrieval = config.get("retrieval")
    if not isinstance(retrieval, dict):
        return None
    ks = ", ".join(f"recall@{k}" for k in retrieval.get("recall_at_k", []))
    if not retrieval.get("scored"):
        return f"retrieval {ks} and MRR not scored: {retrieval.get('reason', 'no ranking')}"
    depth = retrieval.get("search", {}).get("k")
    top = f" (top {depth} results)" if depth is not None else ""
    return f"retrieval {ks} and MRR of the gold sources over {retrieval.get('from')}{top}"
