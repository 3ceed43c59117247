"""The ``ragtune`` command line: argument parsing and printing only; the work is in libraries."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.adapters_command import adapters_app
from agent.ask_command import ask, router_app
from agent.context import Context, open_context
from agent.data_command import data_app
from agent.eval_command import eval_app
from agent.generate_command import generate
from agent.keys_command import keys_app
from agent.serve_command import serve
from agent.train_command import train
from ragtune.errors import RagtuneError
from ragtune.settings import Settings, load_settings

app = typer.Typer(
    name="ragtune",
    help="Make a small language model an expert in one company's business.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(
    help="The database: status, migrations, the embedded server.", no_args_is_help=True
)
app.add_typer(db_app, name="db")

CollectionOpt = Annotated[
    str | None, typer.Option("--collection", "-c", help="Collection name [default: settings]")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _settings() -> Settings:
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return settings


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _principal(user: str, groups: str | None) -> Any:
    from indexes.principal import Principal, parse_groups

    return Principal(user, parse_groups(groups))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    collection: CollectionOpt = None,
    groups: Annotated[
        str | None, typer.Option(help="Groups allowed to read these documents (default: everyone).")
    ] = None,
    sync: Annotated[
        bool, typer.Option("--sync", help="Remove documents whose files are gone.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Ingest documents (Markdown, text, PDF, HTML, DOCX, CSV, JSON/JSONL) into a collection."""
    from indexes.ingest import IngestOptions
    from indexes.ingest import ingest as run_ingest
    from indexes.principal import EVERYONE, parse_groups

    settings = _settings()
    options = IngestOptions(
        collection=collection or settings.collection,
        groups=parse_groups(groups) or frozenset({EVERYONE}),
        sync=sync,
        chunk_tokens=settings.chunk_size_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        max_bytes=int(settings.max_file_mb * 1_000_000),
        progress=sys.stderr.isatty() and not json_out,
    )
    with open_context(settings) as ctx:
        report = run_ingest(ctx.db, ctx.embedder, paths, options)
    if json_out:
        _print_json(asdict(report))
    else:
        for path, reason in sorted(report.failed.items()):
            typer.echo(f"failed: {path}: {reason}", err=True)
        typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int | None, typer.Option("--k", help="Number of results.")] = None,
    collection: CollectionOpt = None,
    mode: Annotated[str, typer.Option(help="hybrid, vector or text.")] = "hybrid",
    user: Annotated[str, typer.Option(help="Search as this user.")] = "cli",
    groups: Annotated[str | None, typer.Option(help="The user's groups, comma-separated.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Search a collection as a user; only chunks that user may read are returned."""
    from indexes.search import search as run_search
    from indexes.search import search_options

    settings = _settings()
    options = search_options(
        settings,
        collection=collection or settings.collection,
        k=k or settings.search_k,
        mode=mode,  # validated by search()
    )
    with open_context(settings) as ctx:
        response = run_search(ctx.db, ctx.embedder, query, _principal(user, groups), options)
        response = _rerank(ctx, response)
    if json_out:
        _print_json(response.to_json())
        return
    if not response.results:
        typer.echo("No results.")
    for r in response.results:
        where = r.source + (f" > {r.section}" if r.section else "")
        where += f" (page {r.page})" if r.page else ""
        snippet = " ".join(r.text.split())[:160]
        typer.echo(f"{r.rank}. [{r.score:.3f}] {where}\n   {snippet}")


def _rerank(ctx: Context, response: Any) -> Any:
    if not ctx.settings.rerank_model:
        return response
    from indexes.rerank import load_reranker, rerank

    model = load_reranker(
        ctx.settings.rerank_model, allow_download=ctx.settings.allow_model_download
    )
    return rerank(model, response)


@app.command()
def delete(
    refs: Annotated[list[str], typer.Argument(help="Document ids, file paths or sources.")],
    collection: CollectionOpt = None,
) -> None:
    """Delete documents (and their chunks) by id or path."""
    from indexes.documents import delete_documents

    settings = _settings()
    with open_context(settings) as ctx:
        outcome = delete_documents(ctx.db, collection or settings.collection, refs)
    missing = [ref for ref, n in outcome.items() if n < 0]
    for ref, n in outcome.items():
        if n >= 0:
            typer.echo(f"deleted {ref} ({n} chunks)")
    for ref in missing:
        typer.echo(f"not found: {ref}", err=True)
    if missing:
        raise typer.Exit(4)


@app.command()
def documents(
    collection: CollectionOpt = None,
    user: Annotated[str, typer.Option(help="List as this user.")] = "cli",
    groups: Annotated[str | None, typer.Option(help="The user's groups, comma-separated.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the documents a user may read."""
    from indexes.documents import list_documents

    settings = _settings()
    with open_context(settings) as ctx:
        docs = list_documents(ctx.db, _principal(user, groups), collection or settings.collection)
    if json_out:
        _print_json([asdict(d) for d in docs])
        return
    for d in docs:
        typer.echo(f"{d.id}  {d.source}  ({d.format}, {d.n_chunks} chunks, {','.join(d.groups)})")


@app.command()
def reindex(collection: CollectionOpt = None) -> None:
    """Re-embed a collection with the configured embedding model."""
    from indexes.reindex import reindex as run_reindex

    settings = _settings()
    with open_context(settings) as ctx:
        report = run_reindex(
            ctx.db, ctx.embedder, collection or settings.collection, progress=sys.stderr.isatty()
        )
    typer.echo(
        f"re-embedded {report.chunks} chunks of {report.collection}: {report.old_model} -> "
        f"{report.new_model} in {report.seconds:.1f} s"
    )


@db_app.command("status")
def db_status(json_out: JsonOpt = False) -> None:
    """Show where the database is, its schema version and what it holds."""
    from indexes.migrations import current_version

    settings = _settings()
    with open_context(settings) as ctx, ctx.db.administering() as conn:
        version = current_version(conn)
        rows = conn.execute(
            "SELECT c.name, c.embed_model, c.embed_dim,"
            " (SELECT count(*) FROM documents d WHERE d.collection_id = c.id),"
            " (SELECT count(*) FROM chunks k WHERE k.collection_id = c.id)"
            " FROM collections c ORDER BY c.name"
        ).fetchall()
        label = ctx.db.label
    collections = [
        {"name": n, "embed_model": m, "embed_dim": d, "documents": nd, "chunks": nc}
        for n, m, d, nd, nc in rows
    ]
    embedded = settings.database_url is None
    info = {
        "database": label,
        "embedded": embedded,
        "schema_version": version,
        "collections": collections,
    }
    if json_out:
        _print_json(info)
        return
    typer.echo(
        f"database: {label} ({'embedded' if embedded else 'external'}), schema version {version}"
    )
    for c in collections:
        typer.echo(
            f"  {c['name']}: {c['documents']} documents, {c['chunks']} chunks, "
            f"{c['embed_model']} ({c['embed_dim']} dims)"
        )


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending schema migrations (also done automatically at start)."""
    from indexes.migrations import current_version

    settings = _settings()
    with open_context(settings) as ctx, ctx.db.administering() as conn:
        typer.echo(f"schema version {current_version(conn)}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server (it is restarted on demand)."""
    from indexes.database import stop_embedded

    settings = _settings()
    stopped = stop_embedded(settings.resolved_state_dir())
    typer.echo("stopped" if stopped else "not running")


app.command()(generate)
app.add_typer(data_app, name="data")
app.add_typer(eval_app, name="eval")
app.command()(train)
app.add_typer(adapters_app, name="adapters")
app.command()(serve)
app.add_typer(keys_app, name="keys")
app.command()(ask)
app.add_typer(router_app, name="router")


def main() -> None:
    """Console entry point: run the CLI and turn ragtune errors into messages and exit codes."""
    try:
        app()
    except RagtuneError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            typer.echo(f"hint: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
