"""``ragtune eval``: evaluation commands. Parsing and printing only; the work is in evals/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ragtune.errors import InputError, NotFoundError
from ragtune.settings import load_settings

eval_app = typer.Typer(
    help="Evaluate answers: hallucination and citation checks, regression suites.",
    no_args_is_help=True,
)


@eval_app.callback()
def _eval() -> None:
    """Evaluate answers: hallucination and citation checks, regression suites."""


def _read_context(paths: list[Path]) -> list[str]:
    passages = []
    for path in paths:
        try:
            passages.append(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError(
                f"Context file {path} does not exist", hint="check --context"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"Cannot read context file {path}: {exc}", hint="pass a UTF-8 text file"
            ) from None
    return passages


@eval_app.command("check")
def check(
    context: Annotated[
        list[Path],
        typer.Option(
            "--context", help="File with the passages the answer must rest on (repeatable)."
        ),
    ],
    answer: Annotated[str, typer.Option("--answer", help="The answer text to check.")],
    judge: Annotated[
        str | None, typer.Option("--judge", help="offline, nli, llm or overlap [default: settings]")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Check every sentence of an answer against a context; exit 1 if any is unsupported."""
    from agent.context import quiet_libraries
    from evals.check import check_answer
    from evals.judges import judge_from_settings

    quiet_libraries()
    settings = load_settings()
    passages = _read_context(context)
    result = check_answer(judge_from_settings(settings, judge), passages, answer)
    if json_out:
        typer.echo(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    else:
        for s in result.sentences:
            mark = "ok " if s.supported else "NO "
            typer.echo(f"{mark} {s.score:.2f}  {s.text}")
            typer.echo(f"          evidence: {' '.join(s.evidence.split())[:240]}")
        unsupported = sum(1 for s in result.sentences if not s.supported)
        verdict = (
            "supported"
            if result.supported
            else f"{unsupported} of {len(result.sentences)} sentences unsupported"
        )
        typer.echo(f"{verdict} (lowest score {result.score:.2f})")
    if not result.supported:
        raise typer.Exit(1)
