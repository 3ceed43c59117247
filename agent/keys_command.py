"""``ragtune keys``: API keys for the HTTP service (create, list, revoke).

A key is printed once, when created; only its hash is stored.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ragtune.settings import load_settings

keys_app = typer.Typer(help="API keys for the HTTP service.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@keys_app.command("create")
def create_cmd(
    user: Annotated[str, typer.Option(help="The user every request with this key runs as.")],
    groups: Annotated[
        str | None, typer.Option(help="The user's groups, comma-separated (e.g. hr,finance).")
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="May upload and delete documents.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create a key; it is shown only now, so store it."""
    from agent.context import open_context
    from agent.service.keys import create_key
    from indexes.principal import Principal, parse_groups

    principal = Principal(user, parse_groups(groups))
    with open_context(load_settings()) as ctx:
        made = create_key(ctx.db, principal, admin=admin)
    if json_out:
        typer.echo(json.dumps(made.to_json(), ensure_ascii=False))
        return
    typer.echo(made.token)
    who = f"{made.record.user} ({','.join(made.record.groups) or 'no groups'})"
    typer.echo(
        f"key {made.record.prefix}… for {who}{', admin' if admin else ''}; it is not shown again",
        err=True,
    )


@keys_app.command("list")
def list_cmd(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List keys (never their secrets): id, prefix, user, groups, last use."""
    from agent.context import open_context
    from indexes.keys import list_keys

    with open_context(load_settings()) as ctx:
        found = list_keys(ctx.db, include_revoked=all_keys)
    if json_out:
        typer.echo(json.dumps([k.to_json() for k in found], ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo("No API keys (create one with ragtune keys create --user NAME).")
    for k in found:
        used = k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never"
        flags = (" admin" if k.admin else "") + (" REVOKED" if k.revoked else "")
        typer.echo(f"{k.id}  {k.prefix}…  {k.user}  [{','.join(k.groups)}]  used {used}{flags}")


@keys_app.command("revoke")
def revoke_cmd(
    ref: Annotated[str, typer.Argument(help="The key's id or its prefix (rt_xxxxxxxx).")],
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from agent.context import open_context
    from indexes.keys import revoke_key

    with open_context(load_settings()) as ctx:
        key = revoke_key(ctx.db, ref)
    typer.echo(f"revoked {key.prefix}… ({key.user})")
