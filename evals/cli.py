"""``ragtune eval``: evaluation commands. Parsing and printing only; the work is in evals/."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ragtune.console import CollectionOpt, JsonOpt, print_json
from ragtune.errors import InputError, NotFoundError
from ragtune.settings import load_settings

if TYPE_CHECKING:
    from evals.runs.record import RunRecord
    from evals.targets import TargetFactory


@dataclass(frozen=True)
class EvalCommands:
    """What the composition root hands the eval commands: the in-process agent as a target."""

    inproc_target: TargetFactory | None = None


def build_eval_app(inproc_target: TargetFactory | None = None) -> typer.Typer:
    """The ``ragtune eval`` command group; ``--target inproc`` asks ``inproc_target``."""
    app = typer.Typer(
        help="Evaluate answers: hallucination and citation checks, regression suites.",
        no_args_is_help=True,
        context_settings={"obj": EvalCommands(inproc_target)},
    )
    app.callback()(_eval)
    app.command("check")(check)
    app.command("run")(run)
    app.command("history")(history)
    return app


def _eval() -> None:
    """Evaluate answers: hallucination and citation checks, regression suites."""


def _read_context(paths: list[Path]) -> list[str]:
    passages = []
    for path in paths:
        try:
            passages.append(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError(
                f"Context file {path} does not exist", hint="check --context"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"Cannot read context file {path}: {exc}", hint="pass a UTF-8 text file"
            ) from None
    return passages


def check(
    context: Annotated[
        list[Path],
        typer.Option(
            "--context", help="File with the passages the answer must rest on (repeatable)."
        ),
    ],
    answer: Annotated[str, typer.Option("--answer", help="The answer text to check.")],
    judge: Annotated[
        str | None, typer.Option("--judge", help="offline, nli, llm or overlap [default: settings]")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check every sentence of an answer against a context; exit 1 if any is unsupported."""
    from evals.check import check_answer
    from evals.judges import judge_from_settings
    from ragtune.resources import quiet_libraries

    quiet_libraries()
    settings = load_settings()
    passages = _read_context(context)
    result = check_answer(judge_from_settings(settings, judge), passages, answer)
    if json_out:
        print_json(result.model_dump())
    else:
        for s in result.sentences:
            mark = "ok " if s.supported else "NO "
            typer.echo(f"{mark} {s.score:.2f}  {s.text}")
            typer.echo(f"          evidence: {' '.join(s.evidence.split())[:240]}")
        unsupported = sum(1 for s in result.sentences if not s.supported)
        verdict = (
            "supported"
            if result.supported
            else f"{unsupported} of {len(result.sentences)} sentences unsupported"
        )
        typer.echo(f"{verdict} (lowest score {result.score:.2f})")
    if not result.supported:
        raise typer.Exit(1)


# Key metrics shown by `eval run` and `eval history` (all of them are in run.json).
_KEY_METRICS = (
    ("citation_recall", "cit.rec"),
    ("hallucination_sentence_rate", "halluc"),
    ("gold_citation_recall", "gold.rec"),
    ("answers_question", "answers"),
    ("answer_f1", "F1"),
    ("abstention_recall", "abst.rec"),
    ("route_accuracy", "route"),
    ("retrieval_recall_at_5", "R@5"),
    ("retrieval_mrr", "MRR"),
    ("latency_p95_ms", "p95 ms"),
)


def run(
    command: typer.Context,
    suite: Annotated[Path, typer.Argument(help="Suite JSONL file (see docs/metrics.md).")],
    target: Annotated[
        str,
        typer.Option("--target", help="inproc (the agent in this process) or a service URL."),
    ] = "inproc",
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Score recorded answers (JSONL: id + the ask JSON)."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", help="Gate against this run: a run id or a run.json path."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Report folder (default: <state_dir>/evals/<run id>)."),
    ] = None,
    judge: Annotated[
        str | None, typer.Option("--judge", help="offline, nli, llm or overlap [default: settings]")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", min=1, max=64, help="Questions in flight [default: settings; inproc 1]"
        ),
    ] = None,
    collection: CollectionOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
) -> None:
    """Run a suite, score it, write reports, store the run; exit 1 on a regression or a
    partial run."""
    from evals.runs.workflow import run_and_gate
    from indexes.collections import check_collection_name
    from ragtune.resources import quiet_libraries

    quiet_libraries()
    settings = load_settings()
    if collection is not None:
        settings = settings.model_copy(update={"collection": check_collection_name(collection)})
    done = run_and_gate(
        settings,
        suite,
        target=target,
        answers=answers,
        baseline=baseline,
        out=out,
        judge=judge,
        concurrency=concurrency,
        inproc_target=command.obj.inproc_target,
        progress=not json_out and sys.stderr.isatty(),  # no bars in CI logs
        warn=lambda message: typer.echo(message, err=True),
    )
    if json_out:
        print_json(done.record.to_json())
    else:
        _print_run(done.record, done.out_dir, stored=done.stored)
    if done.failed:
        raise typer.Exit(1)


# The longest metric label, so that every value lines up.
_LABEL_WIDTH = 40


def _print_run(record: RunRecord, out_dir: Path, *, stored: bool) -> None:
    from evals.runs.summary import METRICS, format_value

    answered = sum(1 for i in record.items if i.status == "ok")
    typer.echo(
        f"run {record.run_id}: {record.status}, {len(record.items)} items "
        f"({answered} answered) in {record.seconds:.1f} s"
    )
    for spec in METRICS:
        m = record.metrics[spec.name]
        label = spec.label.ljust(_LABEL_WIDTH)
        typer.echo(f"  {label} {format_value(spec.name, m.value):>8}  ({m.scored} scored)")
    if record.gate is not None:
        gate = record.gate
        verdict = "passed" if gate.passed else "REGRESSION"
        typer.echo(f"gate against {gate.baseline_source}: {verdict}")
        for g in gate.metrics:
            if g.verdict == "regression":
                typer.echo(f"  regression: {g.reason}")
    if record.problems:
        typer.echo(f"partial run: {len(record.problems)} items without an answer:")
        for problem in record.problems[:20]:
            typer.echo(f"  {problem}")
        if len(record.problems) > 20:
            typer.echo(f"  ... and {len(record.problems) - 20} more")
    typer.echo(f"reports: {out_dir}/ (run.json, junit.xml, summary.md, report.html)")
    if stored:
        typer.echo(f"stored as run {record.run_id} (ragtune eval history)")


def history(
    suite: Annotated[str | None, typer.Option("--suite", help="Only runs of this suite.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Runs to show.")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """Stored eval runs, newest first: status and key metrics, to see trends."""
    from evals.runs.store import list_runs
    from evals.runs.summary import format_value
    from ragtune.resources import open_resources

    settings = load_settings()
    name = suite.removesuffix(".jsonl") if suite else None
    with open_resources(settings) as ctx:
        runs = list_runs(ctx.db, suite=name, limit=limit)
    if json_out:
        print_json([r.to_json() for r in runs])
        return
    if not runs:
        typer.echo("no eval runs stored" + (f" for suite {name}" if name else ""))
        return
    header = ["run", "started", "suite", "status", "items", *(h for _, h in _KEY_METRICS), "gate"]
    rows = []
    for r in runs:
        gate = {None: "-", True: "pass", False: "FAIL"}[r.gate_passed]
        metrics = [format_value(m, r.metrics.get(m)) for m, _ in _KEY_METRICS]
        started = f"{r.started_at:%Y-%m-%d %H:%M}"
        rows.append([r.run_id, started, r.suite, r.status, f"{r.scored}/{r.items}", *metrics, gate])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    for line in [header, *rows]:
        typer.echo("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
