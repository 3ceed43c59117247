"""Real LoRA adapters for tests, made with peft on a real base and saved as ragtune does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


def make_adapter(
    model: Any,
    out_dir: Path,
    *,
    base_model: str,
    targets: list[str],
    rank: int = 4,
    seed: int = 0,
) -> Path:
    """Attach a randomly initialised (non-zero) LoRA to ``model``, save it, detach it again.

    peft's default init makes B zero, so a fresh adapter would change nothing; random B makes
    each adapter's effect visible in the output, which is what switching tests need.
    """
    from peft import LoraConfig, get_peft_model

    from training.adapters import write_adapter

    torch.manual_seed(seed)
    config = LoraConfig(
        r=rank, lora_alpha=2 * rank, target_modules=targets, init_lora_weights=False
    )
    peft_model = get_peft_model(model, config, adapter_name="fresh")
    with torch.no_grad():  # make the effect large enough to move greedy decoding
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.mul_(20.0)
    write_adapter(peft_model, "fresh", out_dir, base_model=base_model)
    peft_model.unload()
    return out_dir
