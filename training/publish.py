"""Writing a trained adapter atomically: built in the staging folder, renamed into place as the
very last step, so a crash never leaves a half-written adapter folder."""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

from training.train_config import TrainResult

ADAPTER_KEY = "default"  # peft's name for the single adapter being trained


def publish_adapter(
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
