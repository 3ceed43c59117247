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
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ragtune.console import JsonOpt, exit_for, principal_of, print_json
from ragtune.errors import InputError, RagtuneError
from ragtune.principal import Principal
from ragtune.settings import load_settings

if TYPE_CHECKING:
    from training.promote import AdapterTargetFactory

adapters_app = typer.Typer(
    help="Trained domain adapters: registry, promotion, activation, merging.",
    no_args_is_help=True,
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
    for line in lineage_lines(m):
        typer.echo(line)


def lineage_lines(m: dict[str, Any]) -> list[str]:
    """Where an adapter came from and every activation with its evidence, for people."""
    data = m.get("data") or {}
    hp = m.get("hyperparameters") or {}
    lines = [
        f"trained on: {data.get('file')} (sha256 {str(data.get('sha256'))[:16]}, "
        f"format {hp.get('data_format', 'qa')}, {data.get('train')} train / "
        f"{data.get('validation')} validation pairs)",
        f"base: {m.get('base_model')} (revision {m.get('base_revision')})",
    ]
    log = m.get("activation_log") or []
    if not log:
        lines.append("activations: none recorded")
    for entry in log:
        ev = entry.get("evidence") or {}
        how = "FORCED (no gate)" if entry.get("forced") else "promoted through the gate"
        lines.append(f"activated {entry.get('at', '')[:19]} by {entry.get('by')}: {how}")
        if ev.get("eval_runs"):
            runs = ev["eval_runs"]
            lines.append(
                f"  eval runs: candidate {runs.get('candidate')} vs active "
                f"{runs.get('active')} ({ev.get('against') or 'no adapter'}), suite "
                f"{(ev.get('suite') or {}).get('name')}, target {ev.get('target_metric')}"
            )
        if ev.get("feedback_ids"):
            lines.append(f"  feedback ids: {', '.join(ev['feedback_ids'])}")
        if ev.get("reason"):
            lines.append(f"  reason: {ev['reason']}")
    return lines


@adapters_app.command("activate")
def activate(
    name: str,
    domain: Annotated[
        str | None, typer.Option(help="Activate for this domain only [default: globally].")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Deactivate instead.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Activate without the eval gate (emergencies; logged)."),
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="Why the gate is bypassed (kept in the log).")
    ] = "",
) -> None:
    """Activate an adapter by hand, bypassing the eval gate (needs --force; logged), or stop
    using it (--off). The normal way in is ragtune adapters promote."""
    import getpass

    from generation import adapter_registry as registry
    from ragtune.resources import open_resources

    try:
        with open_resources(load_settings()) as ctx:
            registry.get(ctx.db, name)  # an unknown name is reported as such first
            if not off and not force:
                raise InputError(
                    f"Activating {name} by hand bypasses the eval gate",
                    hint=f"run ragtune adapters promote {name} --suite SUITE, or pass --force "
                    "(the activation is logged as forced)",
                )
            change = registry.deactivate if off else registry.activate
            adapter = change(ctx.db, name, domain=domain)
            if not off:
                adapter = registry.record_activation(
                    ctx.db,
                    name,
                    scope=domain or registry.GLOBAL,
                    forced=True,
                    by=getpass.getuser(),
                    evidence={"reason": reason} if reason else {},
                )
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


def build_adapters_app(target_factory: AdapterTargetFactory | None = None) -> typer.Typer:
    """The ``ragtune adapters`` group; ``promote`` asks the in-process agent that
    ``target_factory`` builds (handed in by ragtune/cli.py: training never imports agent)."""

    def promote(
        candidate: Annotated[str, typer.Argument(help="The adapter to put live.")],
        suite: Annotated[Path, typer.Option("--suite", help="Eval suite (JSONL) to gate on.")],
        against: Annotated[
            str | None,
            typer.Option(
                "--against", help="Compare with this adapter, or 'none' [default: the active one]."
            ),
        ] = None,
        target_metric: Annotated[
            str, typer.Option("--target-metric", help="The metric that must improve.")
        ] = "citation_recall",
        out: Annotated[
            Path | None, typer.Option("--out", help="Folder for both runs' reports.")
        ] = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Run SUITE in-process with the active adapter and with CANDIDATE (same index, same
        seed) and activate CANDIDATE only if no metric regresses beyond its tolerance and the
        target metric improves; otherwise refuse and say why (exit 1)."""
        import getpass

        from ragtune.resources import quiet_libraries
        from training.promote import promote as run_promotion

        if target_factory is None:
            raise exit_for(InputError("promote needs the in-process agent (use the ragtune CLI)"))
        settings = load_settings()
        quiet_libraries()
        try:
            result = run_promotion(
                settings,
                candidate,
                suite,
                target_factory,
                against=against,
                target_metric=target_metric,
                by=getpass.getuser(),
                out=out,
            )
        except RagtuneError as exc:
            raise exit_for(exc) from None
        if json_out:
            print_json(
                {
                    "candidate": result.candidate,
                    "against": result.against,
                    "activated": result.activated,
                    "reasons": result.reasons,
                    "evidence": result.evidence,
                }
            )
        else:
            for m in result.metrics:
                if m.verdict != "n/a" or m.metric == result.target_metric:
                    typer.echo(f"  {m.verdict:>11}  {m.reason}")
            if result.activated:
                typer.echo(
                    f"promoted {candidate}: active globally (compared with "
                    f"{result.against or 'no adapter'}; runs {result.active_run.run_id}, "
                    f"{result.candidate_run.run_id})"
                )
            else:
                typer.echo(f"refused to promote {candidate}:", err=True)
                for reason in result.reasons:
                    typer.echo(f"  - {reason}", err=True)
        if not result.activated:
            raise typer.Exit(1)

    app = typer.Typer(help=adapters_app.info.help, no_args_is_help=True)
    app.registered_commands = list(adapters_app.registered_commands)
    app.command("promote")(promote)
    return app
