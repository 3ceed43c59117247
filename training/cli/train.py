"""``ragtune train``: check the data, train a QLoRA/LoRA adapter, register it (printing only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ragtune.errors import InputError, RagtuneError
from ragtune.settings import load_settings


def train(
    data: Annotated[Path, typer.Argument(help="JSONL or CSV of curated question/answer pairs.")],
    name: Annotated[str, typer.Option("--name", help="Adapter name (letters, digits, . _ -).")],
    base: Annotated[
        str | None, typer.Option("--base", help="Base model [default: setting model].")
    ] = None,
    method: Annotated[str, typer.Option(help="qlora (4-bit base) or lora.")] = "qlora",
    epochs: Annotated[float, typer.Option(help="Training epochs.")] = 3.0,
    max_steps: Annotated[
        int | None, typer.Option(help="Stop after this many optimizer steps.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder [default: adapters dir/NAME].")
    ] = None,
    rank: Annotated[int, typer.Option(help="LoRA rank.")] = 16,
    alpha: Annotated[int, typer.Option(help="LoRA alpha.")] = 32,
    dropout: Annotated[float, typer.Option(help="LoRA dropout.")] = 0.05,
    lr: Annotated[float, typer.Option("--lr", help="Peak learning rate.")] = 2e-4,
    scheduler: Annotated[str, typer.Option(help="Learning-rate schedule.")] = "cosine",
    warmup: Annotated[float, typer.Option(help="Warmup as a share of all steps.")] = 0.03,
    batch_size: Annotated[int, typer.Option(help="Examples per device step.")] = 4,
    grad_accum: Annotated[int, typer.Option(help="Gradient accumulation steps.")] = 4,
    max_seq_tokens: Annotated[
        int | None, typer.Option(help="Token cap per example [setting: train_max_seq_tokens].")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of initialisation and data order.")] = 42,
    save_steps: Annotated[
        int | None, typer.Option(help="Checkpoint + validation every N steps [default: epoch].")
    ] = None,
    patience: Annotated[int, typer.Option(help="Early stopping patience (validations).")] = 2,
    f1_items: Annotated[
        int | None, typer.Option(help="Validation items scored for F1 [setting: train_f1_items].")
    ] = None,
    no_gradient_checkpointing: Annotated[
        bool, typer.Option("--no-gradient-checkpointing", help="Faster, more memory.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an adapter of this name.")
    ] = False,
    no_register: Annotated[
        bool, typer.Option("--no-register", help="Write the folder but skip the database.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Train a domain adapter from curated Q&A pairs (data checks first), then register it.

    Re-running the same command after an interruption resumes from the last checkpoint."""
    from ragtune.resources import open_resources, quiet_libraries

    settings = load_settings()
    quiet_libraries()
    progress = sys.stderr.isatty() and not json_out
    try:
        from generation import adapter_registry as registry
        from training.data.checks import DataCheckOptions, check_data
        from training.train import TrainOptions, check_name, train_adapter

        check_name(name)
        options = TrainOptions(
            method=method,
            epochs=epochs,
            max_steps=max_steps,
            rank=rank,
            alpha=alpha,
            dropout=dropout,
            learning_rate=lr,
            scheduler=scheduler,
            warmup_ratio=warmup,
            batch_size=batch_size,
            grad_accum=grad_accum,
            max_seq_tokens=max_seq_tokens or settings.train_max_seq_tokens,
            seed=seed,
            save_steps=save_steps,
            early_stopping_patience=patience,
            gradient_checkpointing=not no_gradient_checkpointing,
            f1_items=settings.train_f1_items if f1_items is None else f1_items,
            device=settings.train_device,
        )
        from generation.backends import adapters_dir

        options.validate()
        out_dir = out or adapters_dir(settings) / name
        with open_resources(settings) as ctx:
            if not no_register and registry.is_registered(ctx.db, name) and not force:
                raise InputError(
                    f"An adapter named {name!r} is already registered",
                    hint="choose another --name, or pass --force to replace it",
                )
            checked = check_data(
                data,
                ctx.embedder,
                DataCheckOptions(
                    max_answer_tokens=settings.data_max_answer_tokens,
                    near_duplicate_threshold=settings.data_near_duplicate_threshold,
                    validation_fraction=settings.data_validation_fraction,
                    seed=settings.data_split_seed,
                ),
                progress=progress,
            )
            if not json_out:
                typer.echo(checked.report.summary(), err=True)
            result = train_adapter(
                checked,
                name,
                out_dir,
                state_dir=settings.resolved_state_dir(),
                base_model=base or settings.model,
                options=options,
                force=force,
                progress=progress,
                allow_download=settings.allow_model_download,
            )
            if not no_register:
                register = registry.replace if force else registry.register
                register(ctx.db, result.path, result.manifest)
    except RagtuneError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            typer.echo(f"hint: {exc.hint}", err=True)
        raise typer.Exit(exc.exit_code) from None
    m = result.manifest
    if json_out:
        typer.echo(json.dumps({**m, "path": str(result.path)}, ensure_ascii=False, indent=2))
        return
    f1 = m["evaluation"].get("answer_f1")
    f1_text = f", answer F1 base {f1['base']:.3f} -> adapter {f1['adapter']:.3f}" if f1 else ""
    resumed = m["training"]["resumed_from_step"]
    typer.echo(
        f"trained {name} ({m['method']}) in {m['training']['seconds']:.0f} s: "
        f"{m['training']['steps']} steps"
        + (f" (resumed at step {resumed})" if resumed else "")
        + f", train loss {m['evaluation']['train_loss']:.3f}, val loss "
        f"{m['evaluation']['val_loss']:.3f}{f1_text}; wrote {result.path}"
    )
