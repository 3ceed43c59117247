"""Training's failure branches, injected at the boundary where they happen for real: out of
memory inside an optimizer step, and a full disk while the adapter or a checkpoint is written.

Both must end in a TrainingError with a hint, keep the checkpoints for a resume, and leave no
adapter folder and no registry row behind; re-running the same command then finishes. The base
is a tiny randomly initialised Phi-3 with a real tokenizer, so each run takes seconds.
"""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generation import adapter_registry as registry
from indexes.database import Database
from indexes.embeddings import Embedder
from tests.support.train_data import small_qa_file
from training.data.checks import DataCheck, DataCheckOptions, check_data
from training.resume import staging_dir
from training.train import train_adapter
from training.train_config import TrainOptions
from training.train_failures import TrainingError

FAST = {
    "method": "lora",
    "max_steps": 3,
    "save_steps": 1,
    "batch_size": 2,
    "grad_accum": 1,
    "max_seq_tokens": 48,
    "f1_items": 0,
    "gradient_checkpointing": False,
    "early_stopping_patience": 5,
}


@pytest.fixture(scope="module")
def qa_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_qa_file(tmp_path_factory.mktemp("qa"), per_domain=5)


@pytest.fixture(scope="module")
def checked(qa_file: Path, embedder: Embedder) -> DataCheck:
    result = check_data(qa_file, embedder, DataCheckOptions(validation_fraction=0.2))
    assert result.report.ok, result.report.summary()
    return result


def _fail_in_step(
    monkeypatch: pytest.MonkeyPatch, error: BaseException, at_step: int
) -> Callable[[], None]:
    """Make Trainer.training_step raise ``error`` once ``at_step`` steps are done; return a
    function that undoes it."""
    from transformers import Trainer

    real = Trainer.training_step

    def step(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.state.global_step >= at_step:
            raise error
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "training_step", step)
    return lambda: monkeypatch.setattr(Trainer, "training_step", real)


@pytest.mark.parametrize(
    "error",
    [
        "cuda",  # torch.OutOfMemoryError, as CUDA raises it
        "cpu",  # the CPU allocator's RuntimeError
        "python",  # MemoryError
    ],
)
def test_out_of_memory_in_a_step_keeps_the_checkpoint_and_resumes(
    error: str,
    checked: DataCheck,
    tiny_base: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    raised = {
        "cuda": torch.OutOfMemoryError(
            "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.77 GiB total capacity)"
        ),
        "cpu": RuntimeError(
            "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
            "memory: you tried to allocate 8589934592 bytes. Error code 12 (Cannot allocate "
            "memory)"
        ),
        "python": MemoryError(),
    }[error]
    out = tmp_path / "adapters" / "oom"
    options = TrainOptions(**FAST)  # type: ignore[arg-type]
    undo = _fail_in_step(monkeypatch, raised, at_step=2)
    with pytest.raises(TrainingError) as caught:
        train_adapter(
            checked, "oom", out, state_dir=tmp_path, base_model=tiny_base, options=options
        )
    assert caught.value.exit_code == 8
    assert caught.value.message.startswith("Out of memory while training 'oom'")
    assert str(staging_dir(out)) in caught.value.message
    assert "--batch-size" in caught.value.hint and "--method qlora" in caught.value.hint
    assert caught.value.__cause__ is raised
    checkpoints = staging_dir(out) / "checkpoints"
    assert (checkpoints / "checkpoint-2" / "trainer_state.json").is_file()
    assert not out.exists()
    if error != "cuda":
        return  # one resume is enough
    undo()
    result = train_adapter(
        checked, "oom", out, state_dir=tmp_path, base_model=tiny_base, options=options
    )
    assert result.manifest["training"]["resumed_from_step"] == 2
    assert result.manifest["training"]["steps"] == 3
    assert (out / "adapter_model.safetensors").is_file() and not staging_dir(out).exists()


def test_errors_that_are_not_memory_or_disk_pass_through(
    checked: DataCheck, tiny_base: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_in_step(monkeypatch, ValueError("a bug, not a resource"), at_step=0)
    with pytest.raises(ValueError, match="a bug"):
        train_adapter(
            checked,
            "bug",
            tmp_path / "bug",
            state_dir=tmp_path,
            base_model=tiny_base,
            options=TrainOptions(**FAST),  # type: ignore[arg-type]
        )


def _half_written_save(real: Callable[..., Any]) -> Callable[..., Any]:
    """safetensors' save_file on a disk that fills up half way through the file."""

    def save_file(tensors: Any, filename: Any, *args: Any, **kwargs: Any) -> None:
        real(tensors, filename, *args, **kwargs)
        path = Path(filename)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    return save_file


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RAGTUNE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RAGTUNE_DATA_VALIDATION_FRACTION", "0.2")
    return CliRunner()


def test_disk_full_while_saving_registers_nothing_and_a_rerun_finishes(
    cli: CliRunner,
    db: Database,
    qa_file: Path,
    tiny_base: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import safetensors.torch

    from ragtune.cli import app

    out = tmp_path / "adapters" / "full"
    args = ["train", str(qa_file), "--name", "full", "--out", str(out), "--base", tiny_base]
    args += ["--method", "lora", "--max-steps", "2", "--save-steps", "1", "--batch-size", "2"]
    args += ["--grad-accum", "1", "--max-seq-tokens", "48", "--f1-items", "0"]
    args += ["--no-gradient-checkpointing"]
    real = safetensors.torch.save_file
    # Checkpoints go through save_file too; let those land and fill the disk on the adapter.
    written: list[str] = []

    def save_file(tensors: Any, filename: Any, *a: Any, **kw: Any) -> None:
        written.append(str(filename))
        if "checkpoint-" in str(filename):
            return real(tensors, filename, *a, **kw)
        return _half_written_save(real)(tensors, filename, *a, **kw)

    monkeypatch.setattr(safetensors.torch, "save_file", save_file)
    failed = cli.invoke(app, args)
    assert failed.exit_code == 8, failed.output
    assert "error: Disk full while writing 'full'" in failed.stderr
    assert "no adapter was written or registered" in failed.stderr
    assert "hint: free disk space or pass --out on another disk" in failed.stderr
    assert any(w.endswith("full/adapter_model.safetensors") for w in written)
    assert not out.exists()  # the half-written file stayed in the staging folder
    assert not registry.is_registered(db, "full")
    assert (staging_dir(out) / "checkpoints" / "checkpoint-2").is_dir()

    monkeypatch.setattr(safetensors.torch, "save_file", real)
    again = cli.invoke(app, [*args, "--json"])
    assert again.exit_code == 0, again.output
    manifest = json.loads(again.stdout)
    assert manifest["training"]["resumed_from_step"] == 2
    assert registry.get(db, "full").path == out.resolve()
    assert (out / "adapter_model.safetensors").stat().st_size > 0


@pytest.mark.parametrize("free_mib", [1, 10_000])
def test_a_failed_checkpoint_write_counts_as_disk_full_only_when_the_disk_is(
    free_mib: int,
    checked: DataCheck,
    tiny_base: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """torch.save on a full disk raises a RuntimeError that never says so ("unexpected pos");
    the free space of the staging folder's file system tells it apart from other failures."""
    import torch

    real_usage = shutil.disk_usage

    def usage(path: Any) -> Any:
        total, _, _ = real_usage(path)
        return type(real_usage(path))(total, total - free_mib * 2**20, free_mib * 2**20)

    def full_disk_save(obj: Any, f: Any, *a: Any, **kw: Any) -> None:
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598")

    monkeypatch.setattr(shutil, "disk_usage", usage)
    monkeypatch.setattr(torch, "save", full_disk_save)
    out = tmp_path / "ckpt"
    with pytest.raises((TrainingError, RuntimeError)) as caught:
        train_adapter(
            checked,
            "ckpt",
            out,
            state_dir=tmp_path,
            base_model=tiny_base,
            options=TrainOptions(**FAST),  # type: ignore[arg-type]
        )
    if free_mib == 1:
        assert isinstance(caught.value, TrainingError)
        assert caught.value.message.startswith("Disk full while writing 'ckpt'")
    else:
        assert not isinstance(caught.value, TrainingError)
        assert "unexpected pos" in str(caught.value)
    assert not out.exists()
