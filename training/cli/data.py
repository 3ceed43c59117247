"""``ragtune data check``: validate a curated Q&A file before training (printing only)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from ragtune.console import JsonOpt, exit_for, print_json
from ragtune.errors import RagtuneError
from ragtune.settings import load_settings

if TYPE_CHECKING:
    from training.data.report import DataCheckReport

T = TypeVar("T")

data_app = typer.Typer(
    help="Curated Q&A data for domain adapters: checks before training.", no_args_is_help=True
)


@data_app.callback()
def _group() -> None:
    """Curated Q&A data for domain adapters: checks before training."""


def _pick(flag: T | None, setting: T) -> T:
    """A command-line value wins over the setting, even when it is 0."""
    return setting if flag is None else flag


def _print_report(report: DataCheckReport) -> None:
    for issue in report.issues:
        where = f"{report.file}:{issue.line}" if issue.line is not None else report.file
        record = f" [{issue.record}]" if issue.record else ""
        typer.echo(f"{where}: {issue.severity}: {issue.message}{record}", err=True)
    tokens = report.tokens
    for name, stats in (("question", tokens.question), ("answer", tokens.answer)):
        if stats is not None:
            typer.echo(
                f"{name} tokens ({tokens.tokenizer}): min {stats.min}, p50 {stats.p50}, "
                f"p95 {stats.p95}, max {stats.max}"
            )
    if report.domains:
        typer.echo("domains: " + ", ".join(f"{d} {n}" for d, n in report.domains.items()))
    if report.groups:
        typer.echo("groups: " + ", ".join(f"{g or 'public'} {n}" for g, n in report.groups.items()))
    if report.split is not None:
        s = report.split
        typer.echo(
            f"split (seed {s.seed}): train {s.train}, validation {s.validation} "
            f"({s.validation_fraction:.0%} per domain)"
        )
    typer.echo(report.summary())


@data_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV of question/answer pairs.")],
    json_out: JsonOpt = False,
    allow_pii: Annotated[
        bool, typer.Option("--allow-pii", help="Keep records with personal data or secrets.")
    ] = False,
    eval_suite: Annotated[
        list[Path] | None,
        typer.Option("--eval-suite", help="Eval suite (JSONL with 'question'); repeatable."),
    ] = None,
    max_answer_tokens: Annotated[
        int | None,
        typer.Option(help="Answer token budget (setting: data_max_answer_tokens)."),
    ] = None,
    near_dup_threshold: Annotated[
        float | None,
        typer.Option(help="Near-duplicate cosine (setting: data_near_duplicate_threshold)."),
    ] = None,
    minhash: Annotated[
        bool, typer.Option("--minhash", help="Also find near-duplicates with MinHash.")
    ] = False,
    val_fraction: Annotated[
        float | None,
        typer.Option(help="Validation share (setting: data_validation_fraction)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Split seed (setting: data_split_seed).")] = None,
) -> None:
    """Check a Q&A file: validity, PII, duplicates, conflicts, eval leakage, token lengths and
    the train/validation split. Exits 1 when the file has errors."""
    try:
        from ragtune.resources import embedder_from_settings
        from training.data.checks import DataCheckOptions, check_data

        settings = load_settings()
        options = DataCheckOptions(
            max_answer_tokens=_pick(max_answer_tokens, settings.data_max_answer_tokens),
            near_duplicate_threshold=_pick(
                near_dup_threshold, settings.data_near_duplicate_threshold
            ),
            minhash=minhash,
            allow_pii=allow_pii,
            validation_fraction=_pick(val_fraction, settings.data_validation_fraction),
            seed=_pick(seed, settings.data_split_seed),
        )
        embedder = embedder_from_settings(settings)
        result = check_data(
            file,
            embedder,
            options,
            eval_suites=eval_suite or [],
            progress=sys.stderr.isatty() and not json_out,
        )
    except RagtuneError as exc:
        raise exit_for(exc) from None
    report = result.report
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


@data_app.command("raft")
def raft(
    qa_file: Annotated[Path, typer.Argument(help="Curated (accepted) question/answer pairs.")],
    collection: Annotated[str, typer.Option("--collection", help="Collection to retrieve from.")],
    out: Annotated[Path, typer.Option("--out", help="JSONL file of RAFT items to write.")],
    distractors: Annotated[int, typer.Option(help="Distractor passages per item (K).")] = 3,
    p_oracle: Annotated[
        float, typer.Option("--p-oracle", help="Share of items that keep the oracle passage.")
    ] = 0.8,
    seed: Annotated[int, typer.Option(help="Seed of the oracle draw and passage order.")] = 42,
    json_out: JsonOpt = False,
) -> None:
    """Build RAFT training items: each question with its oracle passage among K distractors
    (retrieved as the pair's groups), in the agent's source format, citing and quoting the
    oracle; a share 1-P keep only distractors and answer that the sources do not cover it."""
    try:
        from ragtune.resources import open_resources
        from training.data.raft import build_raft
        from training.feedback_export import write_jsonl

        with open_resources(load_settings()) as ctx:
            build = build_raft(
                ctx.db,
                ctx.embedder,
                qa_file,
                collection=collection,
                distractors=distractors,
                p_oracle=p_oracle,
                seed=seed,
            )
        write_jsonl(build.records, out)
    except RagtuneError as exc:
        raise exit_for(exc) from None
    if json_out:
        print_json(
            {
                "out": str(out),
                "items": len(build.records),
                "with_oracle": build.with_oracle,
                "skipped": [{"id": i, "reason": r} for i, r in build.skipped],
            }
        )
        return
    for pair_id, reason in build.skipped:
        typer.echo(f"skipped {pair_id}: {reason}", err=True)
    typer.echo(
        f"wrote {len(build.records)} RAFT items to {out} ({build.with_oracle} with the oracle, "
        f"{len(build.records) - build.with_oracle} distractors only; {len(build.skipped)} skipped)"
    )
