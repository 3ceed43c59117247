"""``ragtune adapters``: the adapter registry (list, show, activate, remove) and merging."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from ragtune.errors import RagtuneError
from ragtune.settings import load_settings

adapters_app = typer.Typer(
    help="Trained domain adapters: registry, activation, merging.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _fail(exc: RagtuneError) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        typer.echo(f"hint: {exc.hint}", err=True)
    return typer.Exit(exc.exit_code)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@adapters_app.command("list")
def list_cmd(json_out: JsonOpt = False) -> None:
    """List registered adapters with their groups and where they are active."""
    from agent.context import open_context
    from training import registry

    try:
        with open_context(load_settings()) as ctx:
            adapters = registry.list_adapters(ctx.db)
    except RagtuneError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json([a.show() for a in adapters])
        return
    if not adapters:
        typer.echo("No adapters registered (train one with ragtune train).")
    for a in adapters:
        ev = a.manifest.get("evaluation", {})
        f1 = ev.get("answer_f1") or {}
        active = ",".join("global" if s == "*" else s for s in a.active_scopes) or "-"
        typer.echo(
            f"{a.name}  {a.method}  base={a.base_model}  groups={','.join(a.allowed_groups)}  "
            f"active={active}  val_loss={ev.get('val_loss')}  f1={f1.get('adapter', '-')}"
        )


@adapters_app.command("show")
def show(name: str, json_out: JsonOpt = False) -> None:
    """Show one adapter: its manifest plus its path."""
    from agent.context import open_context
    from training import registry

    try:
        with open_context(load_settings()) as ctx:
            adapter = registry.get(ctx.db, name)
    except RagtuneError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(adapter.show())
        return
    m = adapter.manifest
    typer.echo(f"{adapter.name}: {adapter.method} adapter on {adapter.base_model}")
    typer.echo(f"path: {adapter.path}")
    typer.echo(f"groups: {', '.join(adapter.allowed_groups)}")
    typer.echo(f"active: {', '.join(adapter.active_scopes) or '-'}")
    typer.echo(f"evaluation: {json.dumps(m.get('evaluation', {}).get('answer_f1'), default=str)}")


@adapters_app.command("activate")
def activate(
    name: str,
    domain: Annotated[
        str | None, typer.Option(help="Activate for this domain only [default: globally].")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Deactivate instead.")] = False,
) -> None:
    """Make an adapter the active one globally or for a domain (or stop, with --off)."""
    from agent.context import open_context
    from training import registry

    try:
        with open_context(load_settings()) as ctx:
            change = registry.deactivate if off else registry.activate
            adapter = change(ctx.db, name, domain=domain)
    except RagtuneError as exc:
        raise _fail(exc) from None
    where = f"domain {domain}" if domain else "globally"
    typer.echo(
        f"{name} {'deactivated' if off else 'active'} {where}; active: "
        f"{', '.join(adapter.active_scopes) or '-'}"
    )


@adapters_app.command("remove")
def remove(
    name: str,
    delete_files: Annotated[
        bool, typer.Option("--delete-files", help="Also delete the adapter folder.")
    ] = False,
) -> None:
    """Unregister an adapter (and optionally delete its folder)."""
    from agent.context import open_context
    from training import registry

    try:
        with open_context(load_settings()) as ctx:
            adapter = registry.remove(ctx.db, name)
    except RagtuneError as exc:
        raise _fail(exc) from None
    if delete_files:
        shutil.rmtree(adapter.path, ignore_errors=True)
    typer.echo(f"removed {name}" + (f" and deleted {adapter.path}" if delete_files else ""))


@adapters_app.command("merge")
def merge(
    name: str,
    out: Annotated[Path, typer.Option("--out", help="Folder for the merged model.")],
    tolerance: Annotated[float, typer.Option(help="Max abs logit difference allowed.")] = 1e-3,
    force: Annotated[bool, typer.Option("--force", help="Replace --out.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Merge an adapter into a full-precision base; check merged vs unmerged logits."""
    from agent.context import open_context, quiet_libraries
    from training import registry
    from training.merge import merge_adapter

    settings = load_settings()
    quiet_libraries()
    try:
        with open_context(settings) as ctx:
            adapter = registry.get(ctx.db, name)
        report = merge_adapter(
            name,
            adapter.path,
            out,
            state_dir=settings.resolved_state_dir(),
            base_model=adapter.base_model,
            tolerance=tolerance,
            force=force,
            allow_download=settings.allow_model_download,
        )
    except RagtuneError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(asdict(report))
        return
    typer.echo(
        f"merged {name} into {report.out}: parity max |logit diff| "
        f"{report.max_abs_logit_diff:.3g} <= {report.tolerance:g} (passed)"
    )
