"""The manifest of a trained adapter: where its data and base came from, every
hyperparameter, how training went and how it scores (written next to the weights)."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from generation.base_models import LoadedModel
from ragtune.provenance import git_commit
from training.data.checks import DataCheck
from training.provenance import base_model_revision, library_versions
from training.resume import step_of
from training.train_config import TrainOptions


@dataclass
class FinishedRun:
    """What the trainer left behind: its state, the resumed checkpoint and the timings."""

    trainer: Any
    args: Any  # the TrainingArguments it ran with
    output: Any  # transformers' TrainOutput
    last: str | None  # the checkpoint it resumed from
    started: float  # perf_counter at the start of the whole run
    train_seconds: float
    val_loss: float
    device: str
    bf16: bool
    steps_per_epoch: int


def allowed_groups(data: DataCheck) -> list[str]:
    """The groups that may read every restricted pair; ``everyone`` when none is restricted.

    A pair restricted to ``hr`` may be read by hr only, so an adapter that learned it may be
    used by hr only; an adapter that also learned a ``finance`` pair could be used by nobody
    who may read both unless some group is in both, so that is refused (train one adapter per
    group): a union would hand hr's text to finance (and feedback's text to other groups).
    """
    from ragtune.errors import InputError
    from ragtune.principal import EVERYONE

    restricted = [set(p.groups) for p in [*data.train, *data.validation] if p.groups]
    if not restricted:
        return [EVERYONE]
    shared = set.intersection(*restricted)
    if not shared:
        kinds = sorted({",".join(sorted(g)) for g in restricted})
        raise InputError(
            f"The pairs are restricted to groups no one group may read all of ({'; '.join(kinds)})",
            hint="train one adapter per group: an adapter is usable by whoever may read all "
            "of its pairs",
        )
    return sorted(shared)


def build_manifest(
    data: DataCheck,
    options: TrainOptions,
    base: LoadedModel,
    targets: list[str],
    run: FinishedRun,
    *,
    truncated: int,
    answer_f1: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "method": options.method,
        "base_revision": base_model_revision(base.source),
        "base_source": base.source,
        "allowed_groups": allowed_groups(data),
        "data": _data_section(data, truncated),
        "hyperparameters": _hyperparameters(options, base, targets, run),
        "training": _training_section(base, run),
        "evaluation": _evaluation_section(run, answer_f1),
        "seed": options.seed,
        "library_versions": library_versions(),
        "python": sys.version.split()[0],
        "git_commit": git_commit(),
    }


def _data_section(data: DataCheck, truncated: int) -> dict[str, Any]:
    return {
        "file": data.report.file,
        "sha256": data.report.sha256,
        "format": data.report.format,
        "counts": data.report.counts.model_dump(mode="json"),
        "domains": data.report.domains,
        "groups": data.report.groups,
        "train": len(data.train),
        "validation": len(data.validation),
        "split_seed": data.report.split.seed if data.report.split else None,
        "train_ids": [p.id for p in data.train],
        "validation_ids": [p.id for p in data.validation],
        "truncated_examples": truncated,
    }


def _hyperparameters(
    options: TrainOptions, base: LoadedModel, targets: list[str], run: FinishedRun
) -> dict[str, Any]:
    optim = run.args.optim
    return {
        **asdict(options),
        "target_modules": targets,
        "optimizer": optim.value if hasattr(optim, "value") else str(optim),
        "bf16": run.bf16,
        "precision": base.precision,
        "steps_per_epoch": run.steps_per_epoch,
    }


def _training_section(base: LoadedModel, run: FinishedRun) -> dict[str, Any]:
    state = run.trainer.state
    steps_run = max(1, state.global_step - (step_of(run.last) if run.last else 0))
    tokens = int(state.num_input_tokens_seen)
    return {
        "steps": state.global_step,
        "epochs": round(float(state.epoch or 0), 4),
        "resumed_from_step": step_of(run.last) if run.last else None,
        "best_checkpoint_step": step_of(state.best_model_checkpoint),
        "seconds": round(time.perf_counter() - run.started, 2),
        "train_seconds": round(run.train_seconds, 2),
        "step_seconds": round(run.train_seconds / steps_run, 4),
        "tokens_seen": tokens,
        "tokens_per_second": round(tokens / max(run.train_seconds, 1e-9), 1),
        "device": run.device,
        "peak_memory_bytes": _peak_memory(run.device),
        "peak_memory_kind": "cuda_allocated" if run.device.startswith("cuda") else "process_rss",
        "base_footprint_bytes": base.footprint_bytes,
    }


def _evaluation_section(run: FinishedRun, answer_f1: dict[str, Any] | None) -> dict[str, Any]:
    history = run.trainer.state.log_history
    return {
        "train_loss": round(float(run.output.training_loss), 5),
        "last_train_loss": _last_logged(history, "loss"),
        "val_loss": round(run.val_loss, 5),
        "val_loss_by_epoch": [
            {"step": h["step"], "epoch": h.get("epoch"), "val_loss": h["eval_loss"]}
            for h in history
            if "eval_loss" in h
        ],
        "answer_f1": answer_f1,
    }


def _last_logged(history: list[dict[str, Any]], key: str) -> float | None:
    values = [h[key] for h in history if key in h]
    return round(float(values[-1]), 5) if values else None


def _peak_memory(device: str) -> int:
    import resource

    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.max_memory_allocated())
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux: KiB
