"""``ragtune ask`` and ``ragtune router``: the agent from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, cast

import typer

from agent.answer import ROUTE_CHOICES, RouteChoice, caveat
from ragtune.console import CollectionOpt, JsonOpt
from ragtune.errors import InputError
from ragtune.settings import load_settings

router_app = typer.Typer(
    help="The question router: train it, draw the graph.", no_args_is_help=True
)


def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    thread: Annotated[
        str | None, typer.Option("--thread", help="Continue this conversation thread.")
    ] = None,
    user: Annotated[str, typer.Option(help="Ask as this user.")] = "cli",
    groups: Annotated[str | None, typer.Option(help="The user's groups, comma-separated.")] = None,
    route: Annotated[str, typer.Option(help="auto, rag, adapter or both.")] = "auto",
    adapter: Annotated[
        str | None, typer.Option(help="Use this adapter (default: the active one).")
    ] = None,
    collection: CollectionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ask the agent: it routes to the documents, the domain adapter, both, or abstains."""
    from agent.runtime import build_agent
    from indexes.collections import check_collection_name
    from ragtune.principal import Principal, parse_groups

    if route not in ROUTE_CHOICES:
        raise InputError(f"Unknown route {route!r}", hint=f"use one of {', '.join(ROUTE_CHOICES)}")
    principal = Principal(user, parse_groups(groups))
    settings = load_settings()
    if collection is not None:
        settings = settings.model_copy(update={"collection": check_collection_name(collection)})
    agent = build_agent(settings)
    try:
        answer = agent.ask(
            question, principal, thread_id=thread, route=cast(RouteChoice, route), adapter=adapter
        )
    finally:
        agent.close()
    if json_out:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    typer.echo(answer.answer)
    for c in answer.citations:
        where = c.source + (f" > {c.section}" if c.section else "")
        where += f" (page {c.page})" if c.page else ""
        typer.echo(f"  [{c.n}] {where}")
    note = caveat(answer.to_response())
    if note:
        typer.echo(note)
    v = answer.verification
    # An abstention's counts describe the answer it declined, which the reader never sees.
    verified = (
        "" if answer.abstained else f" | verified {v.supported_sentences}/{v.total_sentences}"
    )
    typer.echo(
        f"route: {answer.route} ({answer.route_reason}; confidence {answer.route_confidence:.2f})"
        f"{verified} | thread {answer.thread_id} | {answer.timings_ms.get('total', 0):.0f} ms",
        err=True,
    )


@router_app.callback()
def _router() -> None:
    """The question router: train it, draw the graph."""


@router_app.command("train")
def router_train(
    examples: Annotated[
        Path | None,
        typer.Option(help="Labelled examples, JSONL {question, route} (default: bundled)."),
    ] = None,
) -> None:
    """Fit the routing classifier on labelled examples and report leave-one-out accuracy."""
    from agent.router import (
        BUNDLED_EXAMPLES,
        fit,
        leave_one_out_accuracy,
        model_path,
        read_examples,
    )
    from ragtune.resources import embedder_from_settings

    settings = load_settings()
    source = examples or settings.router_examples or BUNDLED_EXAMPLES
    labelled = read_examples(source)
    embedder = embedder_from_settings(settings)
    model = fit(embedder, labelled)
    path = model_path(settings.resolved_state_dir())
    model.save(path)
    counts = {r: model.labels.count(r) for r in sorted(set(model.labels))}
    typer.echo(
        f"router trained on {len(labelled)} examples {counts} from {source}; "
        f"leave-one-out accuracy {leave_one_out_accuracy(model):.3f}; saved {path}"
    )
    if examples is not None and settings.router_examples != examples:
        typer.echo(
            f"note: the agent reads RAGTUNE_ROUTER_EXAMPLES; set it to {examples} to use these",
            err=True,
        )


@router_app.command("graph")
def router_graph() -> None:
    """Print the agent graph as a Mermaid flowchart (drawn from the compiled graph)."""
    from agent.runtime import build_agent

    agent = build_agent(load_settings())
    try:
        typer.echo(agent.mermaid())
    finally:
        agent.close()
