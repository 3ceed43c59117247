"""The ``ragtune`` command line: the composition root that mounts each package's commands.

Each package owns its commands (indexes/cli.py, generation/cli.py, training/cli/, evals/cli.py,
agent/cli.py, service/cli.py); this module only mounts them, in the order ``--help`` lists
them, and hands evals the in-process agent as an eval target (evals never imports agent).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from agent import cli as agent_cli
from evals.cli import build_eval_app
from generation import cli as generation_cli
from indexes import cli as indexes_cli
from ragtune.console import report_error
from ragtune.errors import RagtuneError
from service import cli as service_cli
from training import cli as training_cli

if TYPE_CHECKING:
    from evals.targets import Target
    from ragtune.settings import Settings


def _inproc_target(settings: Settings) -> Target:
    """The agent in this process, as an eval target (loaded only when a run asks for it)."""
    from agent.eval_target import InprocTarget

    return InprocTarget(settings)


def _inproc_adapter_target(settings: Settings, adapter: str | None) -> Target:
    """The agent in this process answering with one adapter (``adapters promote``)."""
    from agent.eval_target import InprocTarget

    return InprocTarget(settings, adapter=adapter)


app = typer.Typer(
    name="ragtune",
    help="Make a small language model an expert in one company's business.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for command in (
    indexes_cli.ingest,
    indexes_cli.search,
    indexes_cli.delete,
    indexes_cli.documents,
    indexes_cli.reindex,
    generation_cli.generate,
    training_cli.train,
    service_cli.serve,
    agent_cli.ask,
):
    app.command()(command)
for name, group in (
    ("db", indexes_cli.db_app),
    ("data", training_cli.data_app),
    ("eval", build_eval_app(inproc_target=_inproc_target)),
    ("adapters", training_cli.build_adapters_app(_inproc_adapter_target)),
    ("feedback", training_cli.feedback_app),
    ("keys", service_cli.keys_app),
    ("router", agent_cli.router_app),
):
    app.add_typer(group, name=name)


def main() -> None:
    """Console entry point: run the CLI and turn ragtune errors into messages and exit codes."""
    try:
        app()
    except RagtuneError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
