"""Precision options for loading a base model, and what a loaded model costs in memory.

``4bit`` is bitsandbytes NF4 with double quantization (QLoRA's recipe). bitsandbytes >= 0.48
runs it on the CPU too, so the same path is tested here and used on a GPU in production.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from generation.cache_marker import read_marker, write_marker
from ragtune.errors import ModelLoadError

PRECISIONS = ("fp32", "bf16", "4bit")
QUANT_MARKER = "ragtune-quantization.json"


def _require_bitsandbytes() -> str:
    try:
        return metadata.version("bitsandbytes")
    except metadata.PackageNotFoundError:
        raise ModelLoadError(
            "4-bit loading needs bitsandbytes, which is not installed",
            hint="pip install 'bitsandbytes>=0.48', or set RAGTUNE_MODEL_PRECISION=fp32",
        ) from None


def nf4_config(device: str = "cpu") -> Any:
    """NF4 + double quantization; compute in fp32 on the CPU (not every CPU has fast bf16)."""
    import torch
    from transformers import BitsAndBytesConfig

    _require_bitsandbytes()
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.float32 if device == "cpu" else torch.bfloat16,
    )


def load_kwargs(
    precision: str, device: str = "cpu", *, prequantized: bool = False
) -> dict[str, Any]:
    """Keyword arguments for ``from_pretrained`` at ``precision`` on ``device``.

    ``prequantized``: the checkpoint was saved already in 4 bits, so its own
    quantization_config applies and nothing is quantized again.
    """
    import torch

    if precision == "fp32":
        return {"dtype": torch.float32, "device_map": {"": device}}
    if precision == "bf16":
        return {"dtype": torch.bfloat16, "device_map": {"": device}}
    if precision == "4bit":
        kwargs: dict[str, Any] = {"device_map": {"": device}, "dtype": torch.float32}
        _require_bitsandbytes()
        if not prequantized:
            kwargs["quantization_config"] = nf4_config(device)
        return kwargs
    raise ModelLoadError(
        f"Unknown precision {precision!r}",
        hint=f"set RAGTUNE_MODEL_PRECISION to one of {PRECISIONS}",
    )


def memory_footprint(model: Any) -> int:
    """Bytes held by the model's parameters and buffers (4-bit weights counted packed)."""
    return int(model.get_memory_footprint())


def is_quantized(model: Any) -> bool:
    return bool(getattr(model, "is_loaded_in_4bit", False))


def _source_fingerprint(source: Path) -> dict[str, Any]:
    weights = source / "model.safetensors"
    stat = weights.stat()
    return {
        "source": str(source),
        "source_bytes": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "quantization": "nf4+double",
        "bitsandbytes": _require_bitsandbytes(),
    }


def write_quantized_marker(folder: Path, source: Path) -> None:
    """Record which full-precision copy a cached 4-bit model was quantized from."""
    write_marker(folder, QUANT_MARKER, _source_fingerprint(source))


def quantized_cache_ok(folder: Path, source: Path) -> bool:
    """True when ``folder`` holds a 4-bit copy of the current ``source``."""
    recorded = read_marker(folder, QUANT_MARKER)
    if recorded is None:
        return False
    try:
        return bool(recorded == _source_fingerprint(source))
    except (OSError, ValueError):
        return False
