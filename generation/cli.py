"""``ragtune generate``: one chat turn through the configured model runtime (local or remote)."""

from __future__ import annotations

from typing import Annotated

import typer

from ragtune.console import JsonOpt, principal_of, print_json
from ragtune.resources import quiet_libraries
from ragtune.settings import Settings, load_settings


def _check_access(settings: Settings, adapter: str, user: str | None, groups: str | None) -> None:
    """Refuse an adapter the user may not use, by the registry's groups (the same check the
    agent and the HTTP service make)."""
    from generation.adapter_registry import check_adapter_access
    from ragtune.resources import connect_settings

    db = connect_settings(settings)
    try:
        check_adapter_access(db, principal_of(user or "cli", groups), adapter)
    finally:
        db.close()


def generate(
    prompt: Annotated[str, typer.Argument(help="What to ask the model.")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Model name, directory or hub id (default: the model setting)."
        ),
    ] = None,
    adapter: Annotated[
        str | None,
        typer.Option("--adapter", help="LoRA adapter name (a folder in the adapters directory)."),
    ] = None,
    four_bit: Annotated[
        bool, typer.Option("--4bit", help="Load the base model in 4 bits (NF4, double quant).")
    ] = False,
    stream: Annotated[bool, typer.Option("--stream", help="Print the reply as it comes.")] = False,
    json_out: JsonOpt = False,
    system: Annotated[str | None, typer.Option("--system", help="A system message.")] = None,
    max_new_tokens: Annotated[
        int | None, typer.Option("--max-new-tokens", help="Reply length cap (default: settings).")
    ] = None,
    temperature: Annotated[
        float | None, typer.Option("--temperature", help="0 is greedy (default: settings).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Sampling seed.")] = None,
    stop: Annotated[
        list[str] | None, typer.Option("--stop", help="Stop string (repeatable).")
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Generate for this user: an adapter registered for groups the user is not "
            "in is refused [default: the operator, who may use every adapter].",
        ),
    ] = None,
    groups: Annotated[
        str | None, typer.Option("--groups", help="That user's groups, comma-separated.")
    ] = None,
) -> None:
    """Generate a reply with the base model, optionally through a LoRA adapter."""
    from generation.backends import create_generator, params_from_settings
    from generation.generator import ChatMessage
    from generation.result import describe

    settings = load_settings()
    if adapter and settings.generator_backend == "local":
        from generation.adapters import find_adapter
        from generation.backends import adapters_dir

        find_adapter(adapter, adapters_dir(settings))  # fail before loading the model
    if adapter and (user is not None or groups is not None):
        _check_access(settings, adapter, user, groups)
    quiet_libraries()
    generator = create_generator(
        settings, model=model, precision="4bit" if four_bit else settings.model_precision
    )
    params = params_from_settings(
        settings,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        seed=seed,
        stop=tuple(stop) if stop else None,
        adapter=adapter,
    )
    messages = [ChatMessage(role="system", content=system)] if system else []
    messages.append(ChatMessage(role="user", content=prompt))
    pieces = generator.stream(messages, params)
    for piece in pieces:
        if stream and not json_out:
            typer.echo(piece, nl=False)
    result = pieces.result
    if json_out:
        print_json(result.response().model_dump())
        return
    typer.echo("" if stream else result.text)
    typer.echo(describe(result), err=True)
