"""``summary.md``: the run's metrics as a Markdown table, with the change against the baseline."""

from __future__ import annotations

from evals.runs.record import GateMetric, RunRecord
from evals.runs.summary import GATE_HEADERS, METRICS, format_value, gate_cells, retrieval_note

MAX_LISTED = 30


def _cell(text: str) -> str:
    """Table-safe text: a pipe or a newline would break the row."""
    return " ".join(text.replace("|", "\\|").split())


def _header(run: RunRecord) -> list[str]:
    config = run.config
    suite = config.get("suite", {})
    judge = config.get("judge", {})
    commit = config.get("git_commit") or "unknown"
    ok = sum(1 for i in run.items if i.status == "ok")
    return [
        f"# Eval run `{run.run_id}`",
        "",
        f"- suite **{_cell(run.suite)}**: {len(run.items)} items, sha256 "
        f"`{str(suite.get('sha256', ''))[:12]}`",
        f"- status **{run.status}**: {ok} answered, {len(run.items) - ok} without an answer",
        f"- target `{_cell(str(config.get('target', '')))}`, "
        f"judge `{_cell(judge.get('name', ''))}` "
        f"(`{_cell(judge.get('fingerprint', ''))}`), commit `{str(commit)[:12]}`",
        f"- started {run.started_at}, {run.seconds:.1f} s",
        *([f"- {_cell(note)}"] if (note := retrieval_note(config)) else []),
        "",
    ]


def _metrics_table(run: RunRecord) -> list[str]:
    gated = {m.metric: m for m in run.gate.metrics} if run.gate else {}
    headers = ["metric", "value", "scored", "unscorable"]
    if gated:
        headers += list(GATE_HEADERS)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for spec in METRICS:
        m = run.metrics.get(spec.name)
        if m is None:
            continue
        row = [spec.label, format_value(spec.name, m.value), str(m.scored), str(m.unscorable)]
        if gated:
            g: GateMetric | None = gated.get(spec.name)
            row += gate_cells(spec.name, g)
            if g is not None and g.verdict == "regression":
                row[-1] = f"**{g.verdict}**"
        lines.append("| " + " | ".join(row) + " |")
    return lines


def render_markdown(run: RunRecord) -> str:
    """The summary: header, metrics (with baseline diff), gate verdict, problems, failed items."""
    lines = [*_header(run), "## Metrics", "", *_metrics_table(run), ""]
    if run.gate is not None:
        gate = run.gate
        verdict = "passed" if gate.passed else "FAILED: " + ", ".join(gate.regressions)
        lines += [
            f"## Gate: {verdict}",
            "",
            f"Baseline `{_cell(gate.baseline_source)}` ({gate.shared_items} shared items, "
            f"{gate.resamples} paired bootstrap resamples, seed {gate.seed}, "
            f"{gate.confidence:.0%} intervals).",
            "",
        ]
        lines += [f"- {_cell(m.reason)}" for m in gate.metrics if m.verdict == "regression"]
        if gate.only_in_baseline or gate.only_in_new:
            lines.append(
                f"- not compared: {len(gate.only_in_baseline)} items only in the baseline, "
                f"{len(gate.only_in_new)} only in this run"
            )
        lines.append("")
    if run.problems:
        lines += [f"## Partial run: {len(run.problems)} items without an answer", ""]
        lines += [f"- {_cell(p)}" for p in run.problems[:MAX_LISTED]]
        if len(run.problems) > MAX_LISTED:
            lines.append(f"- ... and {len(run.problems) - MAX_LISTED} more")
        lines.append("")
    failed = [i for i in run.items if i.failures]
    if failed:
        lines += [f"## Failed items ({len(failed)})", ""]
        lines += [f"- `{i.id}`: {_cell('; '.join(i.failures))}" for i in failed[:MAX_LISTED]]
        if len(failed) > MAX_LISTED:
            lines.append(f"- ... and {len(failed) - MAX_LISTED} more")
        lines.append("")
    if run.route_confusion:
        lines += ["## Routes (expected → actual)", ""]
        for expected, row in sorted(run.route_confusion.items()):
            cells = ", ".join(f"{a}: {n}" for a, n in sorted(row.items()))
            lines.append(f"- {expected} → {cells}")
        lines.append("")
    return "\n".join(lines)
