"""Resuming an interrupted run: its staging folder next to the output, kept only for a re-run
with the same data and options, and the step of its last checkpoint."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import asdict
from pathlib import Path

from training.data.checks import DataCheck
from training.train_config import TrainOptions

RUN_FILE = "run.json"


def staging_dir(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}.partial")


def run_fingerprint(data: DataCheck, base: str, options: TrainOptions) -> str:
    """What makes two runs the same run: the data, its split, the base and every option."""
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


def prepare_staging(staging: Path, fingerprint: str) -> None:
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


def last_checkpoint(staging: Path) -> str | None:
    """The newest checkpoint a previous attempt left in ``staging``, if any."""
    from transformers.trainer_utils import get_last_checkpoint

    if (staging / "checkpoints").is_dir():
        return get_last_checkpoint(str(staging / "checkpoints"))
    return None


def step_of(checkpoint: str | None) -> int:
    if not checkpoint:
        return 0
    match = re.search(r"checkpoint-(\d+)$", str(checkpoint))
    return int(match[1]) if match else 0
