"""Real LoRA adapters for tests, made with peft on a real base and saved as ragtune does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


def tiny_phi3(
    vocab_size: int,
    *,
    hidden_size: int = 32,
    context: int = 64,
    bos_token_id: int | None = None,
    eos_token_id: int | list[int] | None = None,
    pad_token_id: int | None = 0,
) -> Any:
    """A two-layer Phi3ForCausalLM with random weights (seed 0): the real architecture,
    Phi-3's fused projections included, small enough to train in milliseconds a step."""
    from transformers import Phi3Config, Phi3ForCausalLM

    # Token ids left as None keep Phi3Config's own defaults.
    special = {"bos_token_id": bos_token_id, "eos_token_id": eos_token_id}
    config = Phi3Config(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=context,
        original_max_position_embeddings=context,
        pad_token_id=pad_token_id,
        **{k: v for k, v in special.items() if v is not None},
    )
    torch.manual_seed(0)
    return Phi3ForCausalLM(config)


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

    from generation.adapters import write_adapter

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
