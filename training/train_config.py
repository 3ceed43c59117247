"""The options of one adapter training run and what a finished run returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragtune.errors import InputError

METHODS = ("qlora", "lora")
DATA_FORMATS = ("qa", "raft")
# RAFT prompts carry K+1 passages: answers must not be cut off by the token cap.
RAFT_MIN_SEQ_TOKENS = 2048


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
    # "qa": closed-book pairs; "raft": items from ragtune data raft (question, oracle and
    # distractor sources in the "both" route's prompt, a target that cites the oracle).
    data_format: str = "qa"

    def validate(self) -> None:
        """Raise InputError naming the first out-of-range option."""
        if self.method not in METHODS:
            raise InputError(f"Unknown method {self.method!r}", hint="use --method qlora or lora")
        positive = ("rank", "batch_size", "grad_accum", "max_seq_tokens", "f1_max_new_tokens")
        for name in positive:
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.data_format not in DATA_FORMATS:
            raise InputError(
                f"Unknown data format {self.data_format!r}", hint="use --format qa or raft"
            )
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
