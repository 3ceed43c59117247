"""``ragtune feedback``: the review queue of rated answers, its export, and accepting records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from indexes.feedback import Rating
from ragtune.console import JsonOpt, exit_for, print_json, shown
from ragtune.errors import InputError, RagtuneError
from ragtune.settings import load_settings

feedback_app = typer.Typer(
    help="Employees' ratings: review queue, export to curated data, acceptance.",
    no_args_is_help=True,
)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"Invalid date {value!r}", hint="use YYYY-MM-DD") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rating(value: str | None) -> Rating | None:
    if value is None:
        return None
    if value == "up":
        return "up"
    if value == "down":
        return "down"
    raise InputError(f"Invalid rating {value!r}", hint="use --rating up or --rating down")


RatingOpt = Annotated[str | None, typer.Option("--rating", help="up or down [default: both].")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only ratings from this date.")]
RouteOpt = Annotated[str | None, typer.Option("--route", help="Only answers on this route.")]


@feedback_app.command("list")
def list_cmd(
    rating: RatingOpt = None,
    since: SinceOpt = None,
    route: RouteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List rated answers, newest first: question, answer, comment, route, citations, groups."""
    from ragtune.resources import open_resources
    from training.feedback_export import review_queue

    try:
        with open_resources(load_settings()) as ctx:
            items = review_queue(
                ctx.db,
                rating=_rating(rating),
                since=_since(since),
                route=route,
            )
    except RagtuneError as exc:
        raise exit_for(exc) from None
    if json_out:
        print_json([i.to_json() for i in items])
        return
    if not items:
        typer.echo("No rated answers.")
    for i in items:
        cited = ", ".join(str(c.get("source")) for c in i.citations) or "-"
        typer.echo(
            f"{i.feedback_id}  {i.rating}  {i.created_at[:19]}  {shown(i.user)} "
            f"[{','.join(i.groups) or 'everyone'}]  route={i.route or '-'}\n"
            f"  Q: {shown(i.question or '(not kept with the rating)')}\n"
            f"  A: {shown((i.answer or '')[:200])}\n"
            f"  comment: {shown(i.comment or '-')}\n  cited: {shown(cited)}"
        )


@feedback_app.command("export")
def export(
    as_: Annotated[str, typer.Option("--as", help="qa (candidate pairs) or suite (eval items).")],
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
    rating: RatingOpt = None,
    since: SinceOpt = None,
    route: RouteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Export rated answers as candidate Q&A pairs (unaccepted) or eval suite items."""
    from ragtune.resources import open_resources
    from training.feedback_export import build_export, review_queue, write_jsonl

    try:
        if as_ not in ("qa", "suite"):
            raise InputError(f"Unknown export kind {as_!r}", hint="use --as qa or --as suite")
        with open_resources(load_settings()) as ctx:
            items = review_queue(
                ctx.db,
                rating=_rating(rating),
                since=_since(since),
                route=route,
            )
            result = build_export(ctx.db, items, "qa" if as_ == "qa" else "suite")
        write_jsonl(result.records, out)
    except RagtuneError as exc:
        raise exit_for(exc) from None
    if json_out:
        print_json(
            {
                "out": str(out),
                "records": len(result.records),
                "skipped": [{"feedback_id": f, "reason": r} for f, r in result.skipped],
            }
        )
        return
    for fid, reason in result.skipped:
        typer.echo(f"skipped {fid}: {reason}", err=True)
    then = f"; review it, then ragtune feedback accept {out} --reviewer NAME" if as_ == "qa" else ""
    typer.echo(
        f"wrote {len(result.records)} records to {out} ({len(result.skipped)} skipped){then}"
    )


@feedback_app.command("accept")
def accept(
    file: Annotated[Path, typer.Argument(help="A file written by ragtune feedback export.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who reviewed the records.")],
    ids: Annotated[
        list[str] | None, typer.Option("--id", help="Accept only this record; repeatable.")
    ] = None,
) -> None:
    """Accept reviewed records (all, or those named by --id) so they may enter training."""
    from training.feedback_export import accept_records

    try:
        if not file.is_file():
            raise InputError(
                f"{file} does not exist", hint="export it with ragtune feedback export"
            )
        done, left = accept_records(file, reviewer=reviewer, ids=ids)
    except RagtuneError as exc:
        raise exit_for(exc) from None
    typer.echo(f"accepted {done} records in {file} as {reviewer}; {left} still unaccepted")
