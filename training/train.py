"""QLoRA/LoRA training of a domain adapter from checked Q&A pairs, written atomically.

QLoRA loads the base in 4-bit NF4 with double quantization and trains LoRA on every linear
layer of the repeated blocks (resolved from the loaded model, so Phi-3's fused ``qkv_proj`` and
``gate_up_proj`` are found); LoRA trains the same on a full-precision base. The loop is
transformers' Trainer: cosine schedule with warmup, gradient checkpointing, validation loss
each epoch, early stopping, a checkpoint every ``save_steps`` and resume from the last one.

Everything is built in ``<out>.partial/`` next to the output folder. A re-run with the same
data and options resumes from its checkpoints; the finished adapter is renamed into place as
the very last step, so a crash never leaves a half-written adapter folder.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from generation.adapters import ADAPTER_NAME
from generation.base_models import DEFAULT_MODEL, LoadedModel, load_model
from ragtune.errors import InputError, RagtuneError
from training.answer_f1 import greedy_answers, mean_f1
from training.data.checks import DataCheck
from training.formatting import Example, PadCollator, format_pair, pad_id
from training.provenance import base_model_revision, git_commit, library_versions

METHODS = ("qlora", "lora")
RUN_FILE = "run.json"
ADAPTER_KEY = "default"  # peft's name for the single adapter being trained


class TrainingError(RagtuneError):
    """Training could not finish (out of memory, disk full, diverged); nothing was written."""

    exit_code = 8
    http_status = 500


@dataclass(frozen=True)
class TrainOptions:
    """Every hyperparameter of a run; all of them are recorded in the manifest."""

    method: str = "qlora"
    epochs: float = 3.0
    max_steps: int | None = None  # overrides epochs when set
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    learning_rate: float = 2e-4
    scheduler: str = "cosine"
    warmup_ratio: float = 0.03
    batch_size: int = 4
    grad_accum: int = 4
    max_seq_tokens: int = 512
    seed: int = 42
    save_steps: int | None = None  # None: a checkpoint (and validation) once per epoch
    early_stopping_patience: int = 2
    gradient_checkpointing: bool = True
    f1_items: int = 32  # validation items scored for answer F1 (greedy); 0 skips it
    f1_max_new_tokens: int = 64
    device: str = "auto"

    def validate(self) -> None:
        """Raise InputError naming the first out-of-range option."""
        if self.method not in METHODS:
            raise InputError(f"Unknown method {self.method!r}", hint="use --method qlora or lora")
        positive = ("rank", "batch_size", "grad_accum", "max_seq_tokens", "f1_max_new_tokens")
        for name in positive:
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_steps is not None and self.max_steps < 1:
            raise InputError(f"max steps must be at least 1, got {self.max_steps}")
        if self.epochs <= 0 or self.learning_rate <= 0 or self.alpha <= 0:
            raise InputError("epochs, learning rate and alpha must be positive")
        if not 0 <= self.dropout < 1 or not 0 <= self.warmup_ratio < 1:
            raise InputError("dropout and warmup ratio must be in [0, 1)")

    def resolved_device(self) -> str:
        import torch

        if self.device != "auto":
            return self.device
        return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class TrainResult:
    """A finished adapter folder and its manifest."""

    path: Path
    manifest: dict[str, Any]
    resumed_from: str | None = None
    log: list[dict[str, Any]] = field(default_factory=list)


def check_name(name: str) -> str:
    if not ADAPTER_NAME.match(name):
        raise InputError(
            f"Invalid adapter name {name!r}",
            hint="use 1-64 letters, digits, '_' or '-', starting with a letter or digit "
            "(peft adapter names cannot contain '.')",
        )
    return name


def allowed_groups(data: DataCheck) -> list[str]:
    """Union of the training pairs' groups; ``everyone`` when no pair is restricted."""
    from ragtune.principal import EVERYONE

    groups = {g for p in [*data.train, *data.validation] for g in p.groups}
    return sorted(groups) or [EVERYONE]


def staging_dir(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}.partial")


def _fingerprint(data: DataCheck, base: str, options: TrainOptions) -> str:
    blob = json.dumps(
        {
            "data": data.report.sha256,
            "split": data.report.split.model_dump(mode="json") if data.report.split else None,
            "base": base,
            "options": asdict(options),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _prepare_staging(staging: Path, fingerprint: str) -> None:
    """Keep a previous attempt's checkpoints only when it was the same run."""
    run_file = staging / RUN_FILE
    if staging.exists():
        try:
            same = json.loads(run_file.read_text()).get("fingerprint") == fingerprint
        except (OSError, ValueError):
            same = False
        if not same:
            shutil.rmtree(staging)
    staging.mkdir(parents=True, exist_ok=True)
    run_file.write_text(json.dumps({"fingerprint": fingerprint}) + "\n")


def _load_base(base_model: str, options: TrainOptions, device: str, **kw: Any) -> LoadedModel:
    precision = "4bit" if options.method == "qlora" else "fp32"
    return load_model(base_model, precision=precision, device=device, **kw)


def _bf16_ok(device: str) -> bool:
    import torch

    return device.startswith("cuda") and torch.cuda.is_bf16_supported()


def _peft_model(base: LoadedModel, options: TrainOptions) -> tuple[Any, list[str]]:
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    from generation.adapters import lora_target_modules

    model = base.model
    targets = lora_target_modules(model)
    ckpt_kwargs = {"use_reentrant": False}
    if options.method == "qlora":
        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=options.gradient_checkpointing,
            gradient_checkpointing_kwargs=ckpt_kwargs,
        )
    elif options.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=ckpt_kwargs)
        model.enable_input_require_grads()
    config = LoraConfig(
        r=options.rank,
        lora_alpha=options.alpha,
        lora_dropout=options.dropout,
        target_modules=targets,
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config, adapter_name=ADAPTER_KEY), targets


def _examples(pairs: list[Any], tokenizer: Any, max_tokens: int) -> tuple[list[dict], int]:
    formatted: list[Example] = [format_pair(p, tokenizer, max_tokens) for p in pairs]
    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in formatted if e.answer_tokens]
    return rows, sum(e.truncated for e in formatted)


def _peak_memory(device: str) -> int:
    import resource

    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.max_memory_allocated())
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux: KiB


def train_adapter(
    data: DataCheck,
    name: str,
    out_dir: Path,
    *,
    state_dir: Path,
    base_model: str = DEFAULT_MODEL,
    options: TrainOptions | None = None,
    force: bool = False,
    progress: bool = False,
    allow_download: bool = False,
) -> TrainResult:
    """Train adapter ``name`` on the checked pairs ``data`` and write it to ``out_dir``.

    Refuses a failed data check, a taken ``out_dir`` (unless ``force``) and bad options before
    loading anything. Errors: InputError, NotFoundError/ModelLoadError for the base model,
    TrainingError for out of memory or a full disk (checkpoints are kept for a resume).
    """
    options = options or TrainOptions()
    options.validate()
    check_name(name)
    if not data.report.ok:
        raise InputError(
            f"The data check failed: {data.report.summary()}",
            hint=f"run ragtune data check {data.report.file} and fix the errors it lists",
        )
    out_dir = Path(out_dir).expanduser().resolve()
    if out_dir.exists() and not force:
        raise InputError(
            f"{out_dir} already exists: the adapter name {name!r} is taken",
            hint="choose another --name or --out, or pass --force to replace it",
        )
    staging = staging_dir(out_dir)
    try:
        return _train(
            data, name, out_dir, staging, state_dir, base_model, options, progress, allow_download
        )
    except RagtuneError:
        raise
    except Exception as exc:  # re-raised unless it is one of the two failures named below
        if _is_oom(exc):
            raise TrainingError(
                f"Out of memory while training {name!r} ({type(exc).__name__}: {_first_line(exc)})"
                f"; checkpoints written so far are kept in {staging}",
                hint="lower --batch-size or --max-seq-tokens (raise --grad-accum to keep the "
                "effective batch), use --method qlora or a smaller --base, and keep gradient "
                "checkpointing on; re-running with unchanged options resumes from the last "
                "checkpoint",
            ) from exc
        if _is_disk_full(exc, staging):
            raise TrainingError(
                f"Disk full while writing {name!r} under {out_dir.parent} "
                f"({_first_line(exc)}); no adapter was written or registered, and checkpoints "
                f"written so far are kept in {staging}",
                hint="free disk space or pass --out on another disk, then re-run the same "
                "command to resume from the last checkpoint",
            ) from exc
        raise


# Allocation failures that do not arrive as torch.OutOfMemoryError or MemoryError: CUDA's
# "out of memory" in a RuntimeError, the CPU allocator's "can't allocate memory".
_OOM_TEXT = ("out of memory", "can't allocate memory", "cannot allocate memory")
# A full disk as the OS words it, and as safetensors (a Rust io error) does.
_DISK_FULL_TEXT = ("no space left on device", "storagefull", "disk quota exceeded")
# torch.save on a full disk says only "unexpected pos ..." or "file write failed": a failed
# write counts as a full disk when the staging folder's file system has less than this left.
_NEARLY_FULL_BYTES = 16 * 2**20


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _is_oom(exc: BaseException) -> bool:
    import torch

    for e in _chain(exc):
        if isinstance(e, (MemoryError, torch.OutOfMemoryError)):
            return True
        if isinstance(e, RuntimeError) and any(t in str(e).lower() for t in _OOM_TEXT):
            return True
    return False


def _is_disk_full(exc: BaseException, folder: Path) -> bool:
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(t in str(e).lower() for t in _DISK_FULL_TEXT):
            return True
    if not isinstance(exc, (OSError, RuntimeError)):
        return False
    probe = folder if folder.exists() else folder.parent
    try:
        return shutil.disk_usage(probe).free < _NEARLY_FULL_BYTES
    except OSError:
        return False


def _train(
    data: DataCheck,
    name: str,
    out_dir: Path,
    staging: Path,
    state_dir: Path,
    base_model: str,
    options: TrainOptions,
    progress: bool,
    allow_download: bool,
) -> TrainResult:
    from transformers import EarlyStoppingCallback, Trainer, TrainingArguments, set_seed
    from transformers.trainer_callback import PrinterCallback
    from transformers.trainer_utils import get_last_checkpoint

    from training.train_progress import LossProgress

    started = time.perf_counter()
    device = options.resolved_device()
    set_seed(options.seed)
    _prepare_staging(staging, _fingerprint(data, base_model, options))
    base = _load_base(
        base_model, options, device, state_dir=state_dir, allow_download=allow_download
    )
    tokenizer = base.tokenizer
    train_rows, truncated = _examples(data.train, tokenizer, options.max_seq_tokens)
    val_rows, _ = _examples(data.validation, tokenizer, options.max_seq_tokens)
    if not train_rows or not val_rows:
        raise InputError(
            "No training or validation example has an answer token left after formatting",
            hint="raise --max-seq-tokens",
        )
    model, targets = _peft_model(base, options)
    steps_per_epoch = max(
        1, math.ceil(math.ceil(len(train_rows) / options.batch_size) / options.grad_accum)
    )
    every = options.save_steps or steps_per_epoch
    bf16 = _bf16_ok(device)
    args = TrainingArguments(
        output_dir=str(staging / "checkpoints"),
        num_train_epochs=options.epochs,
        max_steps=options.max_steps or -1,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=options.batch_size,
        gradient_accumulation_steps=options.grad_accum,
        learning_rate=options.learning_rate,
        lr_scheduler_type=options.scheduler,
        warmup_steps=options.warmup_ratio,
        weight_decay=0.0,
        optim="paged_adamw_8bit" if device.startswith("cuda") else "adamw_torch",
        bf16=bf16,
        gradient_checkpointing=False,  # enabled on the model above, the way peft needs it
        eval_strategy="steps",
        eval_steps=every,
        save_strategy="steps",
        save_steps=every,
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        logging_steps=1,
        seed=options.seed,
        data_seed=options.seed,
        use_cpu=device == "cpu",
        report_to="none",
        disable_tqdm=True,
        remove_unused_columns=False,
        include_num_input_tokens_seen="non_padding",
        dataloader_num_workers=0,
    )
    bar = LossProgress(enabled=progress)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=val_rows,
        data_collator=PadCollator(pad_id(tokenizer)),
        callbacks=[EarlyStoppingCallback(options.early_stopping_patience), bar],
    )
    # With tqdm off, Trainer prints each log dict to stdout; our bar shows them instead, and
    # stdout stays clean for --json.
    trainer.remove_callback(PrinterCallback)
    last = None
    if (staging / "checkpoints").is_dir():
        last = get_last_checkpoint(str(staging / "checkpoints"))
    train_started = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=last)
    train_seconds = time.perf_counter() - train_started
    steps_run = max(1, trainer.state.global_step - (_step_of(last) if last else 0))
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    if evals and evals[-1]["step"] == trainer.state.global_step and not last:
        val_loss = float(evals[-1]["eval_loss"])
    else:  # max_steps ended between epochs, or the best checkpoint was reloaded
        val_loss = float(trainer.evaluate()["eval_loss"])
    bar.close()

    f1 = _answer_f1(model, tokenizer, data, options, progress)
    manifest = {
        "method": options.method,
        "base_revision": base_model_revision(base.source),
        "base_source": base.source,
        "allowed_groups": allowed_groups(data),
        "data": {
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
        },
        "hyperparameters": {
            **asdict(options),
            "target_modules": targets,
            "optimizer": args.optim.value if hasattr(args.optim, "value") else str(args.optim),
            "bf16": bf16,
            "precision": base.precision,
            "steps_per_epoch": steps_per_epoch,
        },
        "training": {
            "steps": trainer.state.global_step,
            "epochs": round(float(trainer.state.epoch or 0), 4),
            "resumed_from_step": _step_of(last) if last else None,
            "best_checkpoint_step": _step_of(trainer.state.best_model_checkpoint),
            "seconds": round(time.perf_counter() - started, 2),
            "train_seconds": round(train_seconds, 2),
            "step_seconds": round(train_seconds / steps_run, 4),
            "tokens_seen": int(trainer.state.num_input_tokens_seen),
            "tokens_per_second": round(
                int(trainer.state.num_input_tokens_seen) / max(train_seconds, 1e-9), 1
            ),
            "device": device,
            "peak_memory_bytes": _peak_memory(device),
            "peak_memory_kind": "cuda_allocated" if device.startswith("cuda") else "process_rss",
            "base_footprint_bytes": base.footprint_bytes,
        },
        "evaluation": {
            "train_loss": round(float(output.training_loss), 5),
            "last_train_loss": _last_logged(trainer.state.log_history, "loss"),
            "val_loss": round(val_loss, 5),
            "val_loss_by_epoch": [
                {"step": h["step"], "epoch": h.get("epoch"), "val_loss": h["eval_loss"]}
                for h in trainer.state.log_history
                if "eval_loss" in h
            ],
            "answer_f1": f1,
        },
        "seed": options.seed,
        "library_versions": library_versions(),
        "python": sys.version.split()[0],
        "git_commit": git_commit(),
    }
    return _finish(model, name, out_dir, staging, base_model, manifest, last, trainer)


def _step_of(checkpoint: str | None) -> int:
    if not checkpoint:
        return 0
    match = re.search(r"checkpoint-(\d+)$", str(checkpoint))
    return int(match[1]) if match else 0


def _last_logged(history: list[dict[str, Any]], key: str) -> float | None:
    values = [h[key] for h in history if key in h]
    return round(float(values[-1]), 5) if values else None


def _answer_f1(
    model: Any, tokenizer: Any, data: DataCheck, options: TrainOptions, progress: bool
) -> dict[str, Any] | None:
    """Greedy answers of base and adapter on the first ``f1_items`` validation pairs."""
    if options.f1_items == 0:
        return None
    items = data.validation[: options.f1_items]
    if progress:
        print(f"scoring answer F1 on {len(items)} validation items...", file=sys.stderr)
    model.eval()
    started = time.perf_counter()
    kw = {"max_new_tokens": options.f1_max_new_tokens, "batch_size": options.batch_size * 2}
    adapter = greedy_answers(model, tokenizer, items, **kw)
    with model.disable_adapter():
        base = greedy_answers(model, tokenizer, items, **kw)
    return {
        "base": round(mean_f1(base, items), 4),
        "adapter": round(mean_f1(adapter, items), 4),
        "items": len(items),
        "of": len(data.validation),
        "capped": len(items) < len(data.validation),
        "max_new_tokens": options.f1_max_new_tokens,
        "decoding": "greedy",
        "seconds": round(time.perf_counter() - started, 2),
        "examples": [
            {"id": p.id, "base": b, "adapter": a}
            for p, b, a in list(zip(items, base, adapter, strict=True))[:3]
        ],
    }


def _finish(
    model: Any,
    name: str,
    out_dir: Path,
    staging: Path,
    base_model: str,
    manifest: dict[str, Any],
    last: str | None,
    trainer: Any,
) -> TrainResult:
    """Write the adapter into staging, then rename it into place (the only visible step)."""
    from generation.adapters import MANIFEST, write_adapter
    from training.model_card import render

    folder = staging / name
    shutil.rmtree(folder, ignore_errors=True)
    created = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    info = write_adapter(model, ADAPTER_KEY, folder, base_model=base_model, **manifest)
    full = json.loads((folder / MANIFEST).read_text())
    full["created_at"] = full.get("created_at") or created
    (folder / "README.md").write_text(render(full))
    if out_dir.exists():  # --force: replace the old adapter only now that the new one is whole
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    os.replace(folder, out_dir)
    shutil.rmtree(staging, ignore_errors=True)
    del info
    return TrainResult(out_dir, full, last, list(trainer.state.log_history))
