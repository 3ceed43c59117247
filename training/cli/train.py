"""``ragtune train``: check the data, train a QLoRA/LoRA adapter, register it (printing only)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ragtune.console import exit_for, print_json
from ragtune.errors import RagtuneError
from ragtune.settings import load_settings


def train(
    data: Annotated[Path, typer.Argument(help="JSONL or CSV of curated question/answer pairs.")],
    name: Annotated[str, typer.Option("--name", help="Adapter name (letters, digits, . _ -).")],
    base: Annotated[
        str | None, typer.Option("--base", help="Base model [default: setting model].")
    ] = None,
    method: Annotated[str, typer.Option(help="qlora (4-bit base) or lora.")] = "qlora",
    data_format: Annotated[
        str, typer.Option("--format", help="qa (curated pairs) or raft (ragtune data raft).")
    ] = "qa",
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
    from ragtune.resources import quiet_libraries

    settings = load_settings()
    quiet_libraries()
    try:
        from training.train_and_register import train_and_register
        from training.train_config import RAFT_MIN_SEQ_TOKENS, TrainOptions

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
            max_seq_tokens=max_seq_tokens
            or (
                max(settings.train_max_seq_tokens, RAFT_MIN_SEQ_TOKENS)
                if data_format == "raft"
                else settings.train_max_seq_tokens
            ),
            seed=seed,
            save_steps=save_steps,
            early_stopping_patience=patience,
            gradient_checkpointing=not no_gradient_checkpointing,
            f1_items=settings.train_f1_items if f1_items is None else f1_items,
            device=settings.train_device,
            data_format=data_format,
        )
        result = train_and_register(
            settings,
            data,
            name,
            options,
            base=base,
            out=out,
            force=force,
            register=not no_register,
            progress=sys.stderr.isatty() and not json_out,
            on_checked=None if json_out else lambda report: typer.echo(report.summary(), err=True),
        )
    except RagtuneError as exc:
        raise exit_for(exc) from None
    if json_out:
        print_json({**result.manifest, "path": str(result.path)})
        return
    typer.echo(_summary(name, result.manifest, result.path))


def _summary(name: str, m: dict[str, Any], path: Path) -> str:
    """One line for humans: steps, losses, answer F1 and where the adapter went."""
    f1 = m["evaluation"].get("answer_f1")
    f1_text = f", answer F1 base {f1['base']:.3f} -> adapter {f1['adapter']:.3f}" if f1 else ""
    resumed = m["training"]["resumed_from_step"]
    return (
        f"trained {name} ({m['method']}) in {m['training']['seconds']:.0f} s: "
        f"{m['training']['steps']} steps"
        + (f" (resumed at step {resumed})" if resumed else "")
        + f", train loss {m['evaluation']['train_loss']:.3f}, val loss "
        f"{m['evaluation']['val_loss']:.3f}{f1_text}; wrote {path}"
    )
