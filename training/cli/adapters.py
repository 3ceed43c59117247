"""``ragtune adapters``: the adapter registry (list, show, activate, remove) and merging.

Without ``--user``/``--groups`` list and show are the administrator's view of every adapter;
with them they answer for that principal: an adapter trained on restricted pairs is listed
and shown only to members of its groups (row-level security on the registry decides).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ragtune.console import JsonOpt, exit_for, principal_of, print_json
from ragtune.errors import InputError, RagtuneError
from ragtune.principal import Principal
from ragtune.settings import load_settings

adapters_app = typer.Typer(
    help="Trained domain adapters: registry, activation, merging.", no_args_is_help=True
)
UserOpt = Annotated[
    str | None, typer.Option("--user", help="Answer for this user [default: every adapter].")
]
GroupsOpt = Annotated[
    str | None, typer.Option("--groups", help="That user's groups, comma-separated.")
]


def _scopes(scopes: tuple[str, ...], sep: str = ", ") -> str:
    """Activation scopes as people read them: the global scope ('*') is "global"."""
    return sep.join("global" if s == "*" else s for s in scopes)


def _principal(user: str | None, groups: str | None) -> Principal | None:
    """The principal to answer for, or None for the administrator's view."""
    if user is None and groups is None:
        return None
    return principal_of(user or "cli", groups)


@adapters_app.command("list")
def list_cmd(user: UserOpt = None, groups: GroupsOpt = None, json_out: JsonOpt = False) -> None:
    """List registered adapters with their groups and where they are active."""
    from generation import adapter_registry as registry
    from ragtune.resources import open_resources

    try:
        principal = _principal(user, groups)
        with open_resources(load_settings()) as ctx:
            if principal is None:
                adapters = registry.list_adapters(ctx.db)
            else:
                adapters = registry.usable_adapters(ctx.db, principal)
    except RagtuneError as exc:
        raise exit_for(exc) from None
    if json_out:
        print_json([a.show() for a in adapters])
        return
    if not adapters:
        typer.echo("No adapters registered (train one with ragtune train).")
    for a in adapters:
        ev = a.manifest.get("evaluation", {})
        f1 = ev.get("answer_f1") or {}
        active = _scopes(a.active_scopes, ",") or "-"
        typer.echo(
            f"{a.name}  {a.method}  base={a.base_model}  groups={','.join(a.allowed_groups)}  "
            f"active={active}  val_loss={ev.get('val_loss')}  f1={f1.get('adapter', '-')}"
        )


@adapters_app.command("show")
def show(
    name: str, user: UserOpt = None, groups: GroupsOpt = None, json_out: JsonOpt = False
) -> None:
    """Show one adapter: its manifest plus its path."""
    from generation import adapter_registry as registry
    from ragtune.resources import open_resources

    try:
        principal = _principal(user, groups)
        with open_resources(load_settings()) as ctx:
            if principal is None:
                adapter = registry.get(ctx.db, name)
            else:
                adapter = registry.check_adapter_access(ctx.db, principal, name)
    except RagtuneError as exc:
        raise exit_for(exc) from None
    if json_out:
        print_json(adapter.show())
        return
    m = adapter.manifest
    typer.echo(f"{adapter.name}: {adapter.method} adapter on {adapter.base_model}")
    typer.echo(f"path: {adapter.path}")
    typer.echo(f"groups: {', '.join(adapter.allowed_groups)}")
    typer.echo(f"active: {_scopes(adapter.active_scopes) or '-'}")
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
    from generation import adapter_registry as registry
    from ragtune.resources import open_resources

    try:
        with open_resources(load_settings()) as ctx:
            change = registry.deactivate if off else registry.activate
            adapter = change(ctx.db, name, domain=domain)
    except RagtuneError as exc:
        raise exit_for(exc) from None
    where = f"domain {domain}" if domain else "globally"
    typer.echo(
        f"{name} {'deactivated' if off else 'active'} {where}; active: "
        f"{_scopes(adapter.active_scopes) or '-'}"
    )


@adapters_app.command("remove")
def remove(
    name: str,
    delete_files: Annotated[
        bool, typer.Option("--delete-files", help="Also delete the adapter folder.")
    ] = False,
) -> None:
    """Unregister an adapter (and optionally delete its folder); it stops being active."""
    from generation import adapter_registry as registry
    from generation.adapters import MANIFEST
    from ragtune.resources import open_resources

    try:
        with open_resources(load_settings()) as ctx:
            adapter = registry.get(ctx.db, name)
            if delete_files and adapter.path.exists() and not (adapter.path / MANIFEST).is_file():
                raise InputError(
                    f"{adapter.path} has no {MANIFEST}: it does not look like an adapter "
                    "folder, so it was not deleted and nothing was unregistered",
                    hint=f"run ragtune adapters remove {name} without --delete-files",
                )
            registry.remove(ctx.db, name)
    except RagtuneError as exc:
        raise exit_for(exc) from None
    active = _scopes(adapter.active_scopes)
    message = f"removed {name}" + (f" (it was active: {active})" if active else "")
    if delete_files and adapter.path.exists():
        try:
            shutil.rmtree(adapter.path)
        except OSError as exc:
            typer.echo(f"{message}, but could not delete {adapter.path}: {exc}", err=True)
            raise typer.Exit(1) from None
        message += f" and deleted {adapter.path}"
    typer.echo(message)


@adapters_app.command("merge")
def merge(
    name: str,
    out: Annotated[Path, typer.Option("--out", help="Folder for the merged model.")],
    tolerance: Annotated[float, typer.Option(help="Max abs logit difference allowed.")] = 1e-3,
    force: Annotated[bool, typer.Option("--force", help="Replace --out.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Merge an adapter into a full-precision base; check merged vs unmerged logits."""
    from generation import adapter_registry as registry
    from ragtune.resources import open_resources, quiet_libraries
    from training.merge import merge_adapter

    settings = load_settings()
    quiet_libraries()
    try:
        with open_resources(settings) as ctx:
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
        raise exit_for(exc) from None
    if json_out:
        print_json(asdict(report))
        return
    typer.echo(
        f"merged {name} into {report.out}: parity max |logit diff| "
        f"{report.max_abs_logit_diff:.3g} <= {report.tolerance:g} (passed)"
    )
