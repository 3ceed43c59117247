"""The two failures a training run reports as such, out of memory and a full disk; anything
else is a bug and propagates unchanged."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from ragtune.errors import RagtuneError


class TrainingError(RagtuneError):
    """Training could not finish (out of memory, disk full, diverged); nothing was written."""

    exit_code = 8
    http_status = 500


# Allocation failures that do not arrive as torch.OutOfMemoryError or MemoryError: CUDA's
# "out of memory" in a RuntimeError, the CPU allocator's "can't allocate memory".
_OOM_TEXT = ("out of memory", "can't allocate memory", "cannot allocate memory")
# A full disk as the OS words it, and as safetensors (a Rust io error) does.
_DISK_FULL_TEXT = ("no space left on device", "storagefull", "disk quota exceeded")
# torch.save on a full disk says only "unexpected pos ..." or "file write failed": a failed
# write counts as a full disk when the staging folder's file system has less than this left.
_NEARLY_FULL_BYTES = 16 * 2**20


def training_error(exc: Exception, name: str, out_dir: Path, staging: Path) -> TrainingError | None:
    """``exc`` as the TrainingError that explains it, or None when it is neither failure."""
    if _is_oom(exc):
        return TrainingError(
            f"Out of memory while training {name!r} ({type(exc).__name__}: {_first_line(exc)})"
            f"; checkpoints written so far are kept in {staging}",
            hint="lower --batch-size or --max-seq-tokens (raise --grad-accum to keep the "
            "effective batch), use --method qlora or a smaller --base, and keep gradient "
            "checkpointing on; re-running with unchanged options resumes from the last "
            "checkpoint",
        )
    if _is_disk_full(exc, staging):
        return TrainingError(
            f"Disk full while writing {name!r} under {out_dir.parent} "
            f"({_first_line(exc)}); no adapter was written or registered, and checkpoints "
            f"written so far are kept in {staging}",
            hint="free disk space or pass --out on another disk, then re-run the same "
            "command to resume from the last checkpoint",
        )
    return None


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
