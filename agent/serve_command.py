"""``ragtune serve``: the HTTP API and the chat frontend, under uvicorn."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from ragtune.errors import InputError


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

    from agent.service.logs import configure_json_logging
    from ragtune.settings import load_settings

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
        "agent.service.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
