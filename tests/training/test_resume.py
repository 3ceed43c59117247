"""Kill `ragtune train` after its first checkpoint, run the same command again: it resumes
from that checkpoint and finishes with the right step count."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.train_data import small_qa_file
from training.resume import staging_dir


@pytest.mark.slow
def test_killed_training_resumes_and_finishes(state_dir: Path, tmp_path: Path) -> None:
    data = small_qa_file(tmp_path, per_domain=5)
    out = tmp_path / "out" / "resumable"
    cmd = [
        sys.executable,
        "-m",
        "ragtune.cli",
        "train",
        str(data),
        "--name",
        "resumable",
        "--out",
        str(out),
        "--max-steps",
        "3",
        "--save-steps",
        "1",
        "--batch-size",
        "2",
        "--grad-accum",
        "1",
        "--max-seq-tokens",
        "48",
        "--f1-items",
        "1",
        "--no-register",
        "--method",
        "lora",
        "--no-gradient-checkpointing",
        "--json",
    ]
    env = {
        **os.environ,
        "RAGTUNE_STATE_DIR": str(state_dir),
        "RAGTUNE_DATA_VALIDATION_FRACTION": "0.2",
    }
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checkpoints = staging_dir(out) / "checkpoints"
    deadline = time.monotonic() + 240
    while not (checkpoints / "checkpoint-1" / "trainer_state.json").exists():
        assert first.poll() is None, first.communicate()[1].decode()[-2000:]
        assert time.monotonic() < deadline, "no checkpoint written"
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert not out.exists()  # nothing half-written where the adapter goes

    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    manifest = json.loads(second.stdout)
    assert manifest["training"]["resumed_from_step"] >= 1
    assert manifest["training"]["steps"] == 3
    assert (out / "adapter_model.safetensors").is_file() and not staging_dir(out).exists()
