"""The regression gate: a paired bootstrap of each metric's change against a baseline run.

Only items both runs answered are compared (paired by item id), so a change of the suite or a
few errored items cannot pass for a quality change. An answered item that one run scored for
a metric and the other did not counts for the run that scored it and adds nothing to the
other's sums: abstention precision is over the questions each run refused, so questions the
new run newly refuses must weigh in its figure, not drop out of the comparison.

The items are resampled with replacement (the same resample for both runs: that is what makes
it paired), the metric is recomputed on each resample for both runs, and the ``confidence``
interval of the change (new − baseline) is read from the percentiles of those differences.

A metric regresses when the whole interval lies beyond its tolerance on the bad side: for a
higher-is-better metric when the interval's upper bound is below ``-tolerance``, for a
lower-is-better one (hallucination rates, latency) when its lower bound is above
``+tolerance``. That is: we are ``confidence`` sure the metric got worse by more than the
tolerance. docs/metrics.md has the definition with a worked example.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from evals.runs.record import GateMetric, GateResult, ItemResult, RunRecord, Verdict
from evals.runs.summary import BY_NAME, METRICS, MetricSpec
from ragtune.errors import ConfigError, InputError

# Absolute changes (in the metric's own unit) the gate tolerates; None: reported, not gated.
# Latency is not gated by default: recorded answers and live runs on other machines differ
# for reasons that are not quality. Settings ``eval_gate_tolerances`` overrides these.
DEFAULT_TOLERANCES: dict[str, float | None] = {
    "citation_recall": 0.05,
    "citation_precision": 0.05,
    "gold_citation_precision": 0.05,
    "gold_citation_recall": 0.05,
    "retrieval_recall_at_1": 0.05,
    "retrieval_recall_at_5": 0.05,
    "retrieval_mrr": 0.05,
    "hallucination_sentence_rate": 0.03,
    "hallucination_answer_rate": 0.05,
    "answers_question": 0.05,
    "answer_f1": 0.05,
    "semantic_similarity": 0.03,
    "abstention_precision": 0.05,
    "abstention_recall": 0.05,
    "route_accuracy": 0.05,
    "latency_p50_ms": None,
    "latency_p95_ms": None,
}
# Resamples per numpy batch: bounds the index matrix at a few MB whatever the suite size.
_CELLS_PER_BATCH = 2_000_000


def check_same_suite(baseline: RunRecord, suite: str, run: str = "This run") -> None:
    """Refuse to compare a run of ``suite`` with a baseline of a differently named suite
    (edits of one suite are compared on the items both versions share; their SHA-256s are in
    each run's pins)."""
    if baseline.suite != suite:
        raise InputError(
            f"{run} is of suite {suite!r} but the baseline {baseline.run_id} is of "
            f"suite {baseline.suite!r}: the gate only compares runs of the same suite",
            hint="pick a baseline run of the same suite (ragtune eval history --suite NAME)",
        )


def resolve_tolerances(overrides: Mapping[str, float | None]) -> dict[str, float | None]:
    """The defaults with ``overrides`` applied; ConfigError names an unknown metric."""
    unknown = sorted(set(overrides) - set(BY_NAME))
    if unknown:
        raise ConfigError(
            f"Unknown metric in eval_gate_tolerances: {', '.join(unknown)}",
            hint=f"use metric names from docs/metrics.md: {', '.join(BY_NAME)}",
        )
    for name, value in overrides.items():
        if value is not None and value < 0:
            raise ConfigError(f"The tolerance of {name} is negative ({value})")
    return {**DEFAULT_TOLERANCES, **overrides}


def _paired(
    spec: MetricSpec, base: dict[str, ItemResult], new: dict[str, ItemResult], shared: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per shared item scored in both runs: (num, den) columns, or latency values."""
    rows_b, rows_n = [], []
    for item_id in shared:
        b, n = base[item_id], new[item_id]
        if spec.kind == "percentile":
            if b.latency_ms is not None and n.latency_ms is not None:
                rows_b.append((b.latency_ms, 1.0))
                rows_n.append((n.latency_ms, 1.0))
            continue
        if b.answer is None or n.answer is None:
            continue  # an error, not an answer: nothing to compare
        cb, cn = _scored(b, spec.name), _scored(n, spec.name)
        if cb is not None or cn is not None:
            rows_b.append(cb or (0.0, 0.0))
            rows_n.append(cn or (0.0, 0.0))
    shape = (len(rows_b), 2)
    return np.asarray(rows_b, dtype=np.float64).reshape(shape), np.asarray(
        rows_n, dtype=np.float64
    ).reshape(shape)


def _scored(item: ItemResult, metric: str) -> tuple[float, float] | None:
    """The item's (numerator, denominator) for ``metric``; None when it adds nothing."""
    found = item.contributions.get(metric)
    return found if found is not None and found[1] > 0 else None


def _statistic(spec: MetricSpec, rows: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
    """The metric on the rows (idx None) or on each resample (idx: resamples x items)."""
    if idx is None:
        idx = np.arange(len(rows))[None, :]
    if spec.kind == "percentile":
        return np.asarray(np.percentile(rows[idx, 0], spec.percentile, axis=1))
    den = rows[idx, 1].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # A resample without a scored item of one run has no value for it (NaN).
        return np.asarray(np.where(den > 0, rows[idx, 0].sum(axis=1) / den, np.nan))


def bootstrap_change(
    spec: MetricSpec,
    base_rows: np.ndarray,
    new_rows: np.ndarray,
    *,
    resamples: int,
    seed: int,
    confidence: float,
) -> tuple[float, float, float]:
    """Point change and the paired bootstrap interval ``(change, low, high)``."""
    n = len(base_rows)
    change = float(_statistic(spec, new_rows)[0] - _statistic(spec, base_rows)[0])
    rng = np.random.default_rng(seed)
    batch = max(1, _CELLS_PER_BATCH // max(n, 1))
    deltas = []
    done = 0
    while done < resamples:
        size = min(batch, resamples - done)
        idx = rng.integers(0, n, size=(size, n))
        deltas.append(_statistic(spec, new_rows, idx) - _statistic(spec, base_rows, idx))
        done += size
    all_deltas = np.concatenate(deltas)
    all_deltas = all_deltas[~np.isnan(all_deltas)]
    alpha = (1 - confidence) / 2
    low, high = np.percentile(all_deltas, [100 * alpha, 100 * (1 - alpha)])
    return change, float(low), float(high)


def _verdict(spec: MetricSpec, low: float, high: float, tolerance: float | None) -> Verdict:
    if tolerance is None:
        return "n/a"
    worse_low, worse_high = (-high, -low) if spec.higher_is_better else (low, high)
    # worse_* are the change expressed as "how much worse": positive means worse.
    if worse_low > tolerance:
        return "regression"
    if worse_high < -tolerance:
        return "improvement"
    return "no change"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _not_compared(
    spec: MetricSpec,
    tolerance: float | None,
    paired: int,
    why: str,
    *,
    baseline: float | None = None,
    new: float | None = None,
) -> GateMetric:
    """An n/a verdict: the metric could not be compared, and ``why``."""
    return GateMetric(
        metric=spec.name,
        higher_is_better=spec.higher_is_better,
        paired_items=paired,
        baseline=baseline,
        new=new,
        change=None,
        ci_low=None,
        ci_high=None,
        tolerance=tolerance,
        verdict="n/a",
        reason=f"{spec.label}: {why}",
    )


def compare_metric(
    spec: MetricSpec,
    base: dict[str, ItemResult],
    new: dict[str, ItemResult],
    shared: list[str],
    *,
    tolerance: float | None,
    resamples: int,
    seed: int,
    confidence: float,
) -> GateMetric:
    """One metric's paired comparison and verdict."""
    base_rows, new_rows = _paired(spec, base, new, shared)
    if len(base_rows) == 0:
        return _not_compared(spec, tolerance, 0, "no item was scored in both runs")
    b_value = float(_statistic(spec, base_rows)[0])
    n_value = float(_statistic(spec, new_rows)[0])
    if np.isnan(b_value) or np.isnan(n_value):
        which = "the baseline" if np.isnan(b_value) else "this run"
        return _not_compared(
            spec,
            tolerance,
            len(base_rows),
            f"{which} scored none of the {len(base_rows)} items compared",
            baseline=None if np.isnan(b_value) else b_value,
            new=None if np.isnan(n_value) else n_value,
        )
    change, low, high = bootstrap_change(
        spec, base_rows, new_rows, resamples=resamples, seed=seed, confidence=confidence
    )
    verdict = _verdict(spec, low, high, tolerance)
    direction = "higher" if spec.higher_is_better else "lower"
    reason = (
        f"{spec.label}: baseline {_fmt(b_value)}, new {_fmt(n_value)}, change {change:+.4g}, "
        f"{confidence:.0%} CI [{low:+.4g}, {high:+.4g}] over {len(base_rows)} paired items "
        f"({direction} is better; tolerance {_fmt(tolerance)})"
    )
    return GateMetric(
        metric=spec.name,
        higher_is_better=spec.higher_is_better,
        paired_items=len(base_rows),
        baseline=b_value,
        new=n_value,
        change=change,
        ci_low=low,
        ci_high=high,
        tolerance=tolerance,
        verdict=verdict,
        reason=reason,
    )


def compare_runs(
    baseline: RunRecord,
    new: RunRecord,
    *,
    tolerances: Mapping[str, float | None] | None = None,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    baseline_source: str = "",
) -> GateResult:
    """Gate ``new`` against ``baseline`` on the items both runs share.

    InputError when the two runs are of different suites: their items answer different
    questions, so a paired comparison would measure the suites, not the change."""
    check_same_suite(baseline, new.suite, f"Run {new.run_id}")
    limits = resolve_tolerances(tolerances or {})
    base = {i.id: i for i in baseline.items}
    fresh = {i.id: i for i in new.items}
    shared = [i.id for i in new.items if i.id in base]
    metrics = [
        compare_metric(
            spec,
            base,
            fresh,
            shared,
            tolerance=limits.get(spec.name),
            resamples=resamples,
            seed=seed,
            confidence=confidence,
        )
        for spec in METRICS
    ]
    return GateResult(
        baseline_run=baseline.run_id,
        baseline_source=baseline_source or baseline.run_id,
        shared_items=len(shared),
        only_in_baseline=[i for i in base if i not in fresh],
        only_in_new=[i for i in fresh if i not in base],
        resamples=resamples,
        seed=seed,
        confidence=confidence,
        metrics=metrics,
        regressions=[m.metric for m in metrics if m.verdict == "regression"],
        baseline_answers={
            i: str(answer.get("answer", ""))
            for i in shared
            if (answer := base[i].answer) is not None
        },
    )
