"""QLoRA/LoRA training of a domain adapter from checked Q&A pairs, written atomically.

QLoRA loads the base in 4-bit NF4 with double quantization and trains LoRA on every linear
layer of the repeated blocks (resolved from the loaded model, so Phi-3's fused ``qkv_proj`` and
``gate_up_proj`` are found); LoRA trains the same on a full-precision base. The loop is
transformers' Trainer: cosine schedule with warmup, gradient checkpointing, validation loss
each epoch, early stopping, a checkpoint every ``save_steps`` and resume from the last one.

Everything is built in ``<out>.partial/`` next to the output folder (``training.resume``). A
re-run with the same data and options resumes from its checkpoints; the finished adapter is
renamed into place as the very last step (``training.publish``), so a crash never leaves a
half-written adapter folder.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from generation.adapters import check_adapter_name
from generation.base_models import DEFAULT_MODEL, LoadedModel, load_model
from ragtune.errors import InputError, RagtuneError
from training.answer_f1 import compare_answer_f1
from training.data.checks import DataCheck
from training.formatting import Example, PadCollator, format_pair, pad_id
from training.manifest import FinishedRun, build_manifest
from training.publish import ADAPTER_KEY, publish_adapter
from training.resume import last_checkpoint, prepare_staging, run_fingerprint, staging_dir
from training.train_config import TrainOptions, TrainResult
from training.train_failures import TrainingError, training_error
from training.train_progress import LossProgress

__all__ = ["TrainOptions", "TrainResult", "TrainingError", "staging_dir", "train_adapter"]


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
    check_adapter_name(name)
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
    except Exception as exc:  # re-raised unless it is out of memory or a full disk
        explained = training_error(exc, name, out_dir, staging)
        if explained is not None:
            raise explained from exc
        raise


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
    from transformers import set_seed

    started = time.perf_counter()
    device = options.resolved_device()
    set_seed(options.seed)
    prepare_staging(staging, run_fingerprint(data, base_model, options))
    precision = "4bit" if options.method == "qlora" else "fp32"
    base = load_model(
        base_model,
        precision=precision,
        device=device,
        state_dir=state_dir,
        allow_download=allow_download,
    )
    train_rows, truncated = _examples(data.train, base.tokenizer, options.max_seq_tokens)
    val_rows, _ = _examples(data.validation, base.tokenizer, options.max_seq_tokens)
    if not train_rows or not val_rows:
        raise InputError(
            "No training or validation example has an answer token left after formatting",
            hint="raise --max-seq-tokens",
        )
    model, targets = _peft_model(base, options)
    rows = (train_rows, val_rows)
    run = _run_trainer(model, base.tokenizer, rows, staging, options, device, started, progress)
    f1 = compare_answer_f1(
        model,
        base.tokenizer,
        data.validation,
        items=options.f1_items,
        max_new_tokens=options.f1_max_new_tokens,
        batch_size=options.batch_size * 2,
        progress=progress,
    )
    manifest = build_manifest(data, options, base, targets, run, truncated=truncated, answer_f1=f1)
    return publish_adapter(
        model, name, out_dir, staging, base_model, manifest, run.last, run.trainer
    )


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


def _training_args(
    staging: Path, options: TrainOptions, device: str, every: int, bf16: bool
) -> Any:
    """Trainer settings: validation and a checkpoint every ``every`` steps, the best kept."""
    from transformers import TrainingArguments

    return TrainingArguments(
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
        gradient_checkpointing=False,  # enabled on the model (_peft_model), the way peft needs it
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


def _run_trainer(
    model: Any,
    tokenizer: Any,
    rows: tuple[list[dict], list[dict]],
    staging: Path,
    options: TrainOptions,
    device: str,
    started: float,
    progress: bool,
) -> FinishedRun:
    """Train (resuming from the last checkpoint in ``staging``) and take the validation loss."""
    from transformers import EarlyStoppingCallback, Trainer
    from transformers.trainer_callback import PrinterCallback

    train_rows, val_rows = rows
    steps_per_epoch = max(
        1, math.ceil(math.ceil(len(train_rows) / options.batch_size) / options.grad_accum)
    )
    bf16 = _bf16_ok(device)
    every = options.save_steps or steps_per_epoch
    args = _training_args(staging, options, device, every, bf16)
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
    last = last_checkpoint(staging)
    train_started = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=last)
    train_seconds = time.perf_counter() - train_started
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    if evals and evals[-1]["step"] == trainer.state.global_step and not last:
        val_loss = float(evals[-1]["eval_loss"])
    else:  # max_steps ended between epochs, or the best checkpoint was reloaded
        val_loss = float(trainer.evaluate()["eval_loss"])
    bar.close()
    return FinishedRun(
        trainer=trainer,
        args=args,
        output=output,
        last=last,
        started=started,
        train_seconds=train_seconds,
        val_loss=val_loss,
        device=device,
        bf16=bf16,
        steps_per_epoch=steps_per_epoch,
    )
