"""The command line's surface is pinned: every command's help (names, flags, defaults, order).

A layout change must not change what a user types. Regenerate on purpose with
``RAGTUNE_UPDATE_SNAPSHOTS=1 pytest tests/ragtune/test_cli_contract.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import typer
from typer.testing import CliRunner

from ragtune.cli import app

SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "cli_help.json"


def _command_paths(command: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(click.Context(command)):
            sub = command.get_command(click.Context(command), name)
            assert sub is not None
            paths += _command_paths(sub, (*prefix, name))
    return paths


def _help_texts() -> dict[str, str]:
    runner = CliRunner()
    root = typer.main.get_command(app)
    texts = {}
    for path in _command_paths(root):
        result = runner.invoke(app, [*path, "--help"], terminal_width=100, env={"COLUMNS": "100"})
        assert result.exit_code == 0, (path, result.output)
        texts[" ".join(("ragtune", *path))] = result.output
    return texts


def test_every_command_help_is_unchanged() -> None:
    texts = _help_texts()
    if os.environ.get("RAGTUNE_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(texts, indent=1, sort_keys=True) + "\n")
    pinned = json.loads(SNAPSHOT.read_text())
    assert sorted(texts) == sorted(pinned), "commands were added or removed"
    for name, text in pinned.items():
        assert texts[name] == text, f"`{name} --help` changed"
