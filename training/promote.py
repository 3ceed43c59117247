"""Promote an adapter through the eval gate: it goes live only when it measurably does better.

``promote`` runs one suite twice in this process, on the same index with the same seed: once
with the adapter active now (or a named one, or none) and once with the candidate. The paired
bootstrap gate (evals/runs/gate.py) compares the two runs; the candidate is activated only when
no metric regresses beyond its tolerance and the target metric improved (its paired change is
above zero). Otherwise nothing changes and the reasons are returned. Each activation appends
its evidence to the adapter's activation log: both eval runs, the suite, the data sha256, the
feedback ids of its training data, the base model.

The in-process agent lives above training, so the caller hands in a factory that builds it as
an eval target for one adapter (ragtune/cli.py does, as it does for ``ragtune eval run``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.runs.record import GateMetric, RunRecord
from evals.runs.summary import BY_NAME
from evals.runs.workflow import run_and_gate
from generation import adapter_registry as registry
from ragtune.errors import InputError
from ragtune.resources import open_resources
from ragtune.settings import Settings

if TYPE_CHECKING:
    from evals.targets import Target

AdapterTargetFactory = Callable[[Settings, str | None], "Target"]
"""Builds the in-process agent as an eval target that answers with one adapter (None: none)."""
DEFAULT_TARGET_METRIC = "citation_recall"
NO_ADAPTER = "none"


@dataclass
class Promotion:
    """What ``promote`` did: the two runs, the gate's metrics, and whether it activated."""

    candidate: str
    against: str | None
    target_metric: str
    activated: bool
    reasons: list[str]
    active_run: RunRecord
    candidate_run: RunRecord
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def metrics(self) -> list[GateMetric]:
        gate = self.candidate_run.gate
        return gate.metrics if gate is not None else []


def feedback_ids_in(path: Path) -> list[str]:
    """Feedback ids carried by the records of a training file (empty when it is gone)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    ids: list[str] = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        for fid in record.get("feedback_ids") or [] if isinstance(record, dict) else []:
            if isinstance(fid, str) and fid not in ids:
                ids.append(fid)
    return ids


def decide(candidate_run: RunRecord, active_run: RunRecord, target_metric: str) -> list[str]:
    """Why the candidate may not go live (empty: it may)."""
    reasons = [
        f"the {which} run is partial: {'; '.join(run.problems[:3])}"
        for which, run in (("candidate", candidate_run), ("active", active_run))
        if run.status != "complete"
    ]
    gate = candidate_run.gate
    if gate is None:
        return [*reasons, "the candidate run was not gated"]
    by_name = {m.metric: m for m in gate.metrics}
    reasons += [f"regression: {by_name[name].reason}" for name in gate.regressions]
    target = by_name[target_metric]
    if target.change is None or target.change <= 0:
        reasons.append(f"the target metric did not improve: {target.reason}")
    return reasons


def _active_name(db: Any) -> str | None:
    for adapter in registry.list_adapters(db):
        if registry.GLOBAL in adapter.active_scopes:
            return adapter.name
    return None


def promote(
    settings: Settings,
    candidate: str,
    suite: Path,
    target_factory: AdapterTargetFactory,
    *,
    against: str | None = None,
    target_metric: str = DEFAULT_TARGET_METRIC,
    by: str = "cli",
    out: Path | None = None,
    progress: bool = False,
) -> Promotion:
    """Gate ``candidate`` against ``against`` (default: the adapter active globally now;
    ``"none"``: no adapter) on ``suite`` and activate it globally when it passes."""
    if target_metric not in BY_NAME:
        raise InputError(
            f"Unknown target metric {target_metric!r}", hint=f"use one of {', '.join(BY_NAME)}"
        )
    with open_resources(settings) as ctx:
        cand = registry.get(ctx.db, candidate)
        if against is None:
            against = _active_name(ctx.db)
        elif against == NO_ADAPTER:
            against = None
        if against is not None:
            registry.get(ctx.db, against)
        if against == candidate:
            raise InputError(f"{candidate} is already the adapter it would be compared with")
    active = run_and_gate(
        settings,
        suite,
        inproc_target=lambda s: target_factory(s, against),
        out=out / "active" if out else None,
        progress=progress,
    )
    new = run_and_gate(
        settings,
        suite,
        baseline=str(active.out_dir / "run.json"),
        inproc_target=lambda s: target_factory(s, candidate),
        out=out / "candidate" if out else None,
        progress=progress,
    )
    reasons = decide(new.record, active.record, target_metric)
    data = cand.manifest.get("data") or {}
    evidence = {
        "eval_runs": {"active": active.record.run_id, "candidate": new.record.run_id},
        "suite": new.record.config.get("suite"),
        "against": against,
        "target_metric": target_metric,
        "gate": [
            {k: getattr(m, k) for k in ("metric", "baseline", "new", "change", "verdict")}
            for m in (new.record.gate.metrics if new.record.gate else [])
        ],
        "data_file": data.get("file"),
        "data_sha256": data.get("sha256"),
        "feedback_ids": feedback_ids_in(Path(data["file"])) if data.get("file") else [],
        "base_model": cand.base_model,
    }
    if not reasons:
        with open_resources(settings) as ctx:
            registry.activate(ctx.db, candidate)
            registry.record_activation(ctx.db, candidate, forced=False, by=by, evidence=evidence)
    return Promotion(
        candidate,
        against,
        target_metric,
        activated=not reasons,
        reasons=reasons,
        active_run=active.record,
        candidate_run=new.record,
        evidence=evidence,
    )
