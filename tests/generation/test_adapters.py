"""LoRA adapters on the real SmolLM2: several loaded at once and chosen per request, unloaded,
and refused (with the reason) when they do not belong to this base or are not safe to read."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
import torch

from generation.adapters import AdapterSet, find_adapter, lora_target_modules
from generation.generator import GenerationParams, as_messages
from generation.local_backend import LocalGenerator
from ragtune.errors import InputError, ModelMismatchError, NotFoundError
from tests.support.lora_factory import make_adapter
from tests.support.model_fixtures import SMOL_TARGETS, fresh_base

PROMPT = "Describe our support process in one sentence."
PARAMS = GenerationParams(max_new_tokens=10)


@pytest.fixture(scope="module")
def served(state_dir: Path, adapters_dir: Path) -> LocalGenerator:
    """A generator with its own base, serving the session's adapters by name."""
    return LocalGenerator(fresh_base(state_dir), adapters_dir=adapters_dir)


def _copy(adapters_dir: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(adapters_dir / name, target)
    return target


def test_targets_are_read_from_the_model(state_dir: Path) -> None:
    assert lora_target_modules(fresh_base(state_dir).model) == SMOL_TARGETS


def test_two_adapters_at_once_switched_per_request(served: LocalGenerator) -> None:
    base = served.generate(PROMPT, PARAMS)
    alpha = served.generate(PROMPT, GenerationParams(max_new_tokens=10, adapter="alpha"))
    beta = served.generate(PROMPT, GenerationParams(max_new_tokens=10, adapter="beta"))
    assert served.adapters.names == ["alpha", "beta"]
    assert len({base.text, alpha.text, beta.text}) == 3
    assert alpha.adapter == "alpha" and alpha.response().adapter == "alpha"
    # Switching is per request: the same requests again give the same answers, in any order.
    assert (
        served.generate(PROMPT, GenerationParams(max_new_tokens=10, adapter="beta")).text
        == beta.text
    )
    assert served.generate(PROMPT, PARAMS).text == base.text
    assert (
        served.generate(PROMPT, GenerationParams(max_new_tokens=10, adapter="alpha")).text
        == alpha.text
    )


def test_unloading_restores_the_base(state_dir: Path, adapters_dir: Path) -> None:
    generator = LocalGenerator(fresh_base(state_dir), adapters_dir=adapters_dir)
    batch = {"input_ids": torch.tensor([generator.render(as_messages(PROMPT))])}
    with torch.no_grad():
        before = generator.base.model(**batch).logits
    generator.adapters.load("alpha")
    generator.adapters.load("beta")
    generator.adapters.unload("alpha")
    assert generator.adapters.names == ["beta"]
    generator.adapters.unload("beta")
    assert generator.adapters.names == []
    with torch.no_grad():
        after = generator.base.model(**batch).logits
    assert torch.equal(before, after)
    assert not any("lora" in name for name, _ in generator.base.model.named_modules())
    with pytest.raises(NotFoundError):
        generator.adapters.unload("alpha")


def test_unknown_adapter_lists_what_is_there(served: LocalGenerator) -> None:
    with pytest.raises(NotFoundError) as info:
        served.stream(PROMPT, GenerationParams(adapter="gamma"))
    assert "alpha, beta" in info.value.message and "RAGTUNE_ADAPTERS_DIR" in info.value.hint


def _refusal(base_set: AdapterSet, folder: Path) -> Exception:
    with pytest.raises((InputError, ModelMismatchError)) as info:
        base_set.load(folder.name, folder)
    assert "refused" in info.value.message
    return info.value


@pytest.fixture
def bare(state_dir: Path) -> AdapterSet:
    return AdapterSet(fresh_base(state_dir))


def test_an_adapter_for_another_base_is_refused(
    bare: AdapterSet, adapters_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(adapters_dir, "alpha", tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "base_model": "phi-3-mini-4k"}))
    error = _refusal(bare, folder)
    assert isinstance(error, ModelMismatchError)
    assert "trained on 'phi-3-mini-4k'" in error.message and "--model phi-3-mini-4k" in error.hint
    assert bare.names == []


def test_rank_that_does_not_fit_the_tensors_is_refused(
    bare: AdapterSet, adapters_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(adapters_dir, "alpha", tmp_path)  # tensors have rank 4
    for name in ("manifest.json", "adapter_config.json"):
        data = json.loads((folder / name).read_text())
        data["rank" if name == "manifest.json" else "r"] = 16
        (folder / name).write_text(json.dumps(data))
    error = _refusal(bare, folder)
    assert isinstance(error, ModelMismatchError) and "rank 16" in error.message


def test_manifest_and_peft_config_must_agree(
    bare: AdapterSet, adapters_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(adapters_dir, "alpha", tmp_path)
    data = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**data, "rank": 8}))
    assert "says rank 8" in _refusal(bare, folder).message


def test_target_modules_the_base_lacks_are_refused(
    bare: AdapterSet, adapters_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(adapters_dir, "alpha", tmp_path)
    for name, key in (
        ("manifest.json", "target_modules"),
        ("adapter_config.json", "target_modules"),
    ):
        data = json.loads((folder / name).read_text())
        data[key] = ["qkv_proj", "o_proj"]  # Phi-3's fused names
        (folder / name).write_text(json.dumps(data))
    error = _refusal(bare, folder)
    assert "['qkv_proj']" in error.message and "do not exist" in error.message


def test_a_corrupt_safetensors_file_is_refused(
    bare: AdapterSet, adapters_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(adapters_dir, "alpha", tmp_path)
    weights = folder / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    error = _refusal(bare, folder)
    assert isinstance(error, InputError) and "corrupt" in error.message


class _Payload:
    """Unpickling this creates a directory: proof that the file was (or was not) unpickled."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.sentinel),))


def test_a_pickle_adapter_is_refused_unopened(
    bare: AdapterSet, adapters_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(adapters_dir, "alpha", tmp_path)
    (folder / "adapter_model.safetensors").unlink()
    sentinel = tmp_path / "unpickled"
    (folder / "adapter_model.bin").write_bytes(pickle.dumps(_Payload(sentinel)))
    error = _refusal(bare, folder)
    assert "pickle" in error.message and "adapter_model.bin" in error.message
    assert "safe_serialization=True" in error.hint
    assert not sentinel.exists()


def test_missing_manifest_is_refused(bare: AdapterSet, adapters_dir: Path, tmp_path: Path) -> None:
    folder = _copy(adapters_dir, "alpha", tmp_path)
    (folder / "manifest.json").unlink()
    assert "no manifest.json" in _refusal(bare, folder).message


def test_an_adapter_from_another_architecture_is_refused(
    bare: AdapterSet, tiny_phi3_dir: Path, tmp_path: Path, state_dir: Path
) -> None:
    """Same leaf names (o_proj, down_proj) but other shapes: caught before loading."""
    from generation.base_models import load_model

    phi3 = load_model(str(tiny_phi3_dir), state_dir=state_dir)
    folder = make_adapter(
        phi3.model,
        tmp_path / "phi3-style",
        base_model="smollm2-135m",
        targets=["o_proj", "down_proj"],
        rank=4,
    )
    error = _refusal(bare, folder)
    assert isinstance(error, ModelMismatchError) and "shape" in error.message


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_adapters_on_a_4bit_base(state_dir: Path, adapters_dir: Path) -> None:
    """QLoRA's serving path: the same adapter files on the NF4-quantized base."""
    four = LocalGenerator(fresh_base(state_dir, "4bit"), adapters_dir=adapters_dir)
    base = four.generate(PROMPT, PARAMS)
    beta = four.generate(PROMPT, GenerationParams(max_new_tokens=10, adapter="beta"))
    assert beta.completion_tokens > 0 and beta.text != base.text
    assert four.generate(PROMPT, PARAMS).text == base.text


def test_names_resolve_in_the_adapters_dir_only(
    bare: AdapterSet, adapters_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "alpha").mkdir()  # a same-named folder in the working directory
    monkeypatch.chdir(tmp_path)
    assert find_adapter("alpha", adapters_dir) == adapters_dir / "alpha"
    with pytest.raises(NotFoundError):
        find_adapter("alpha", tmp_path / "elsewhere")
    with pytest.raises(InputError, match="Invalid adapter name"):
        bare.load("../alpha")


def test_likelihoods_are_read_by_the_bare_base_whatever_adapter_served_last(
    served: LocalGenerator, smol: LocalGenerator
) -> None:
    # Adapters are switched on the model itself: the re-rank's scores must not depend on
    # which adapter the last request used.
    served.generate(PROMPT, GenerationParams(max_new_tokens=2, adapter="beta"))
    question = "How do I reach support?"
    passages = ["Support\nEmail support@example.com any day.", "Parking\nThe garage opens at 7."]
    scored = served.question_likelihoods(question, passages)
    bare = smol.question_likelihoods(question, passages)
    assert scored == pytest.approx(bare, abs=1e-4)
