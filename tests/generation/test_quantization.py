"""Precision: 4-bit NF4 (double quantization) really loads smaller, on this CPU, and works."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from generation.base_models import DEFAULT_MODEL, cache_dir
from generation.generator import GenerationParams
from generation.local_backend import LocalGenerator
from generation.quantization import is_quantized, load_kwargs, nf4_config
from ragtune.errors import ModelLoadError
from tests.support.model_fixtures import fresh_base


@pytest.mark.slow
def test_4bit_loads_in_a_third_of_the_memory_and_generates(state_dir: Path) -> None:
    import bitsandbytes as bnb

    full = fresh_base(state_dir)
    four = fresh_base(state_dir, "4bit")
    assert is_quantized(four.model) and not is_quantized(full.model)
    ratio = four.footprint_bytes / full.footprint_bytes
    # Seen: 166 MB vs 538 MB (0.31). Embeddings and norms stay in full precision.
    assert ratio < 0.4, ratio
    linears = [m for m in four.model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(linears) == 30 * 7  # every projection in every block
    assert linears[0].weight.quant_state.nested  # double quantization

    # The quantized copy is cached: the second load reads it instead of quantizing again.
    started = time.perf_counter()
    again = fresh_base(state_dir, "4bit")
    assert time.perf_counter() - started < 10
    assert (cache_dir(state_dir, DEFAULT_MODEL, "4bit") / "model.safetensors").is_file()
    assert again.footprint_bytes == four.footprint_bytes

    result = LocalGenerator(four).generate(
        "What is the capital of France?", GenerationParams(max_new_tokens=8)
    )
    assert result.completion_tokens > 0 and result.text.strip()


def test_load_kwargs_per_precision() -> None:
    assert load_kwargs("fp32")["dtype"] is torch.float32
    assert load_kwargs("bf16")["dtype"] is torch.bfloat16
    four = load_kwargs("4bit")
    config = four["quantization_config"]
    assert config.load_in_4bit and config.bnb_4bit_quant_type == "nf4"
    assert config.bnb_4bit_use_double_quant
    assert "quantization_config" not in load_kwargs("4bit", prequantized=True)
    assert nf4_config("cuda").bnb_4bit_compute_dtype is torch.bfloat16
    with pytest.raises(ModelLoadError):
        load_kwargs("int3")


def test_bf16_halves_the_footprint(state_dir: Path) -> None:
    full = fresh_base(state_dir)
    half = fresh_base(state_dir, "bf16")
    assert half.model.dtype is torch.bfloat16
    # Every weight halves; a few fp32 buffers (rotary frequencies) stay as they are.
    assert abs(half.footprint_bytes * 2 - full.footprint_bytes) < 1_000_000
