"""The document commands: ``ragtune ingest``, ``search``, ``delete``, ``documents``,
``reindex`` and ``ragtune db``. Parsing and printing only; the work is in this package."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from ragtune.console import CollectionOpt, JsonOpt, cli_settings, principal_of, print_json
from ragtune.resources import Resources, open_resources

db_app = typer.Typer(
    help="The database: status, migrations, the embedded server.", no_args_is_help=True
)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    collection: CollectionOpt = None,
    groups: Annotated[
        str | None, typer.Option(help="Groups allowed to read these documents (default: everyone).")
    ] = None,
    sync: Annotated[
        bool, typer.Option("--sync", help="Remove documents whose files are gone.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="Threads reading and chunking files ahead of the embedder."
        ),
    ] = 2,
    json_out: JsonOpt = False,
) -> None:
    """Ingest documents (Markdown, text, PDF, HTML, DOCX, CSV, JSON/JSONL) into a collection."""
    from indexes.ingest import ingest as run_ingest
    from indexes.ingest import ingest_options
    from ragtune.principal import EVERYONE, parse_groups

    settings = cli_settings()
    options = ingest_options(
        settings,
        collection=collection or settings.collection,
        groups=parse_groups(groups) or frozenset({EVERYONE}),
        sync=sync,
        progress=sys.stderr.isatty() and not json_out,
        workers=workers,
    )
    with open_resources(settings) as ctx:
        report = run_ingest(ctx.db, ctx.embedder, paths, options)
    if json_out:
        print_json(asdict(report))
    else:
        for path, reason in sorted(report.failed.items()):
            typer.echo(f"failed: {path}: {reason}", err=True)
        for path, reason in sorted(report.skipped.items()):
            typer.echo(f"skipped: {path}: {reason}", err=True)
        typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


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
    from indexes.search.options import search_options

    settings = cli_settings()
    options = search_options(
        settings,
        collection=collection or settings.collection,
        k=settings.search_k if k is None else k,
        mode=mode,  # validated by search()
    )
    with open_resources(settings) as ctx:
        response = run_search(ctx.db, ctx.embedder, query, principal_of(user, groups), options)
        response = _rerank(ctx, response)
    if json_out:
        print_json(response.to_json())
        return
    if not response.results:
        typer.echo("No results.")
    for r in response.results:
        where = r.source + (f" > {r.section}" if r.section else "")
        where += f" (page {r.page})" if r.page else ""
        snippet = " ".join(r.text.split())[:160]
        typer.echo(f"{r.rank}. [{r.score:.3f}] {where}\n   {snippet}")


def _rerank(ctx: Resources, response: Any) -> Any:
    if not ctx.settings.rerank_model:
        return response
    from indexes.rerank import load_reranker, rerank

    model = load_reranker(
        ctx.settings.rerank_model, allow_download=ctx.settings.allow_model_download
    )
    return rerank(model, response)


def delete(
    refs: Annotated[list[str], typer.Argument(help="Document ids, file paths or sources.")],
    collection: CollectionOpt = None,
) -> None:
    """Delete documents (and their chunks) by id or path."""
    from indexes.documents import delete_documents

    settings = cli_settings()
    with open_resources(settings) as ctx:
        report = delete_documents(ctx.db, collection or settings.collection, refs)
    for ref, n in report.deleted.items():
        typer.echo(f"deleted {ref} ({n} chunks)")
    for ref in report.missing:
        typer.echo(f"not found: {ref}", err=True)
    for ref, matches in report.ambiguous.items():
        typer.echo(
            f"not deleted: {ref} names {len(matches)} documents; delete one by id or path:",
            err=True,
        )
        for match in matches:
            typer.echo(f"  {match}", err=True)
    if report.missing or report.ambiguous:
        raise typer.Exit(4)


def documents(
    collection: CollectionOpt = None,
    user: Annotated[str, typer.Option(help="List as this user.")] = "cli",
    groups: Annotated[str | None, typer.Option(help="The user's groups, comma-separated.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the documents a user may read."""
    from indexes.documents import list_documents

    settings = cli_settings()
    name = collection or settings.collection
    with open_resources(settings) as ctx:
        docs = list_documents(ctx.db, principal_of(user, groups), name)
    if json_out:
        print_json([asdict(d) for d in docs])
        return
    if not docs:
        # Silence would read as a failure: say what was listed, for whom.
        typer.echo(f"No documents in collection {name!r} that {user!r} may read.", err=True)
    for d in docs:
        typer.echo(f"{d.id}  {d.source}  ({d.format}, {d.n_chunks} chunks, {','.join(d.groups)})")


def reindex(collection: CollectionOpt = None) -> None:
    """Re-embed a collection with the configured embedding model."""
    from indexes.reindex import reindex as run_reindex

    settings = cli_settings()
    with open_resources(settings) as ctx:
        report = run_reindex(
            ctx.db,
            ctx.embedder,
            collection or settings.collection,
            progress=sys.stderr.isatty(),
            sentence_vectors=settings.sentence_vectors,
        )
    typer.echo(
        f"re-embedded {report.chunks} chunks of {report.collection}: {report.old_model} -> "
        f"{report.new_model} in {report.seconds:.1f} s"
    )


@db_app.command("status")
def db_status(json_out: JsonOpt = False) -> None:
    """Show where the database is, its schema version and what it holds."""
    from indexes.migrations import current_version

    settings = cli_settings()
    with open_resources(settings) as ctx, ctx.db.administering() as conn:
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
        print_json(info)
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

    settings = cli_settings()
    with open_resources(settings) as ctx, ctx.db.administering() as conn:
        typer.echo(f"schema version {current_version(conn)}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server (it is restarted on demand)."""
    from indexes.database import stop_embedded

    settings = cli_settings()
    stopped = stop_embedded(settings.resolved_state_dir())
    typer.echo("stopped" if stopped else "not running")
