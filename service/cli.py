"""The service's commands: ``ragtune serve`` (the HTTP API and the chat frontend, under uvicorn)
and ``ragtune keys`` (API keys: create, list, revoke; a key is printed once, only its hash is
stored)."""

from __future__ import annotations

import ipaddress
import json
import os
from typing import Annotated

import typer

from ragtune.console import JsonOpt
from ragtune.errors import InputError
from ragtune.settings import load_settings


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="uvicorn worker processes (each loads its own models).")
    ] = 1,
    dev_user: Annotated[
        str | None,
        typer.Option(help="Local dev mode: requests without an API key run as this user."),
    ] = None,
    dev_groups: Annotated[str | None, typer.Option(help="The dev user's groups (a,b).")] = None,
    chat: Annotated[bool, typer.Option("--chat/--no-chat", help="Mount the chat UI.")] = True,
) -> None:
    """Serve the API (/v1, /docs) and the chat frontend (/chat) until interrupted."""
    import uvicorn

    from service.http_protocol import HTTP_PROTOCOL
    from service.logs import configure_json_logging

    # Workers build their own settings from the environment, so flags travel through it.
    if dev_user is not None:
        os.environ["RAGTUNE_SERVICE_DEV_USER"] = dev_user
    if dev_groups is not None:
        os.environ["RAGTUNE_SERVICE_DEV_GROUPS"] = dev_groups
    if not chat:
        os.environ["RAGTUNE_SERVICE_CHAT"] = "false"
    settings = load_settings()
    if settings.service_dev_user and not _loopback(host):
        raise InputError(
            f"Dev mode (no API key needed) is refused on {host}: it is for this machine only",
            hint="listen on 127.0.0.1, or drop --dev-user and use API keys",
        )
    configure_json_logging(settings.log_level)
    typer.echo(
        f"ragtune on http://{host}:{port}  (API docs /docs"
        + (", chat /chat" if settings.service_chat else "")
        + ")",
        err=True,
    )
    uvicorn.run(
        "service.app:app_from_environment",
        factory=True,
        http=HTTP_PROTOCOL,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


keys_app = typer.Typer(help="API keys for the HTTP service.", no_args_is_help=True)


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
    from ragtune.principal import Principal, parse_groups
    from ragtune.resources import open_resources
    from service.keys import create_key

    principal = Principal(user, parse_groups(groups))
    with open_resources(load_settings()) as ctx:
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
    from indexes.keys import list_keys
    from ragtune.resources import open_resources

    with open_resources(load_settings()) as ctx:
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
    from indexes.keys import revoke_key
    from ragtune.resources import open_resources

    with open_resources(load_settings()) as ctx:
        key = revoke_key(ctx.db, ref)
    typer.echo(f"revoked {key.prefix}… ({key.user})")
