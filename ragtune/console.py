"""What every package's commands share: the --json and --collection flags, JSON printing, the
principal from --user/--groups, and how a ragtune error becomes a message and an exit code."""

from __future__ import annotations

import json
import logging
import unicodedata
from typing import Annotated, Any

import typer

from ragtune.errors import RagtuneError
from ragtune.principal import Principal, parse_groups
from ragtune.settings import Settings, load_settings

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
CollectionOpt = Annotated[
    str | None, typer.Option("--collection", "-c", help="Collection name [default: settings]")
]


def cli_settings() -> Settings:
    """The settings, with logging configured at their log level (for the document commands)."""
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return settings


def print_json(data: Any) -> None:
    """Indented, non-ASCII kept, anything else (dates, paths) as its string."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def shown(text: str) -> str:
    """``text`` that others wrote (a comment, a question) made safe to print on a terminal:
    control characters and bidirectional overrides, which could hide or reorder what is
    shown ("Trojan Source"), are written as escapes ("\\u202e"); line breaks stay."""
    return "".join(
        ch
        if ch == "\n" or (ch.isprintable() and unicodedata.category(ch) != "Cf")
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def principal_of(user: str, groups: str | None) -> Principal:
    """The principal a command acts as: ``--user`` with its comma-separated ``--groups``."""
    return Principal(user, parse_groups(groups))


def report_error(exc: RagtuneError) -> None:
    """Print the error's message and hint on stderr, as every command does."""
    typer.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        typer.echo(f"hint: {exc.hint}", err=True)


def exit_for(exc: RagtuneError) -> typer.Exit:
    """Report ``exc`` and return the exit carrying its code (``raise exit_for(exc) from None``)."""
    report_error(exc)
    return typer.Exit(exc.exit_code)
