"""The Phi-3 path on a tiny randomly initialised Phi3ForCausalLM (no download): its chat
template, its end-of-turn token, fused LoRA targets resolved from the model, adapters, 4-bit."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation.adapters import lora_target_modules
from generation.base_models import load_model
from generation.generator import GenerationParams
from generation.local_backend import LocalGenerator, end_token_ids
from tests.support.lora_factory import make_adapter

PHI3_TARGETS = ["down_proj", "gate_up_proj", "o_proj", "qkv_proj"]


def test_phi3_loads_from_a_directory_with_its_template(
    tiny_phi3_dir: Path, state_dir: Path
) -> None:
    phi3 = load_model(str(tiny_phi3_dir), state_dir=state_dir)
    assert phi3.model_type == "phi3" and phi3.context_window == 512
    generator = LocalGenerator(phi3)
    prompt = generator.prompt_text(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    )
    assert prompt == "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n"
    end = phi3.tokenizer.convert_tokens_to_ids("<|end|>")
    assert end in end_token_ids(phi3.model, phi3.tokenizer)
    result = generator.generate("Hi", GenerationParams(max_new_tokens=6))
    assert 0 < result.completion_tokens <= 6 and result.model == str(tiny_phi3_dir)


def test_phi3_lora_targets_are_the_fused_modules(tiny_phi3_dir: Path, state_dir: Path) -> None:
    phi3 = load_model(str(tiny_phi3_dir), state_dir=state_dir)
    assert lora_target_modules(phi3.model) == PHI3_TARGETS


def test_an_adapter_on_phi3_loads_and_changes_the_output(
    tiny_phi3_dir: Path, state_dir: Path, tmp_path: Path
) -> None:
    trainer_copy = load_model(str(tiny_phi3_dir), state_dir=state_dir)
    make_adapter(
        trainer_copy.model,
        tmp_path / "phi3-style",
        base_model=tiny_phi3_dir.name,  # a directory base is known by its folder name too
        targets=lora_target_modules(trainer_copy.model),
        rank=4,
    )
    served = LocalGenerator(
        load_model(str(tiny_phi3_dir), state_dir=state_dir), adapters_dir=tmp_path
    )
    params = GenerationParams(max_new_tokens=8)
    plain = served.generate("Hi", params)
    styled = served.generate("Hi", GenerationParams(max_new_tokens=8, adapter="phi3-style"))
    assert served.adapters.names == ["phi3-style"]
    assert styled.text != plain.text or styled.completion_tokens != plain.completion_tokens


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_phi3_in_4bit_keeps_the_fused_targets(tiny_phi3_dir: Path, state_dir: Path) -> None:
    import bitsandbytes as bnb

    four = load_model(str(tiny_phi3_dir), state_dir=state_dir, precision="4bit")
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in four.model.modules())
    assert lora_target_modules(four.model) == PHI3_TARGETS
    full = load_model(str(tiny_phi3_dir), state_dir=state_dir)
    assert four.footprint_bytes < full.footprint_bytes


def test_a_model_without_chat_template_is_refused(tiny_phi3_dir: Path, state_dir: Path) -> None:
    from ragtune.errors import ModelLoadError

    bare = load_model(str(tiny_phi3_dir), state_dir=state_dir)
    bare.tokenizer.chat_template = None
    with pytest.raises(ModelLoadError, match="no chat template"):
        LocalGenerator(bare)
