"""Name the machine a benchmark ran on, so every result file says where its numbers come from."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return None
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def describe_machine() -> dict[str, Any]:
    """Platform, CPU, memory and the library versions that move the numbers."""
    import numpy
    import torch

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "memory_gb": _memory_gb(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
    }


def now_iso() -> str:
    """The current UTC time, to the second, for the result's ``date`` field."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
