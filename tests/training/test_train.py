"""Real QLoRA and LoRA training on the bundled SmolLM2 (a few steps on a slice of the sample
pairs): files, manifest, atomic output, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexes.embeddings import Embedder
from ragtune.errors import InputError, NotFoundError
from tests.support.train_data import small_qa_file
from training.data.checks import DataCheckOptions, check_data
from training.resume import staging_dir
from training.train import train_adapter
from training.train_config import TrainOptions

FAST = {
    "batch_size": 2,
    "grad_accum": 1,
    "max_seq_tokens": 64,
    "f1_items": 2,
    "f1_max_new_tokens": 8,
    "early_stopping_patience": 5,
}


@pytest.fixture(scope="module")
def small_data(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = small_qa_file(tmp_path_factory.mktemp("qa"), per_domain=5)
    result = check_data(path, embedder, DataCheckOptions(validation_fraction=0.2))
    assert result.report.ok, result.report.summary()
    return result


@pytest.mark.slow
@pytest.mark.parametrize("method", ["qlora", "lora"])
def test_train_writes_a_complete_adapter(
    method: str,
    small_data,
    state_dir: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "adapters" / f"quill-{method}"
    result = train_adapter(
        small_data,
        out.name,
        out,
        state_dir=state_dir,
        options=TrainOptions(method=method, max_steps=2, **FAST),
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "manifest.json",
    ]
    assert not staging_dir(out).exists()
    m = json.loads((out / "manifest.json").read_text())
    assert m == result.manifest
    assert m["method"] == method and m["base_model"] == "smollm2-135m"
    assert m["hyperparameters"]["precision"] == ("4bit" if method == "qlora" else "fp32")
    assert set(m["target_modules"]) == {
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    }
    assert m["hyperparameters"]["rank"] == 16 and m["hyperparameters"]["learning_rate"] == 2e-4
    assert m["data"]["sha256"] == small_data.report.sha256 and m["data"]["train"] > 0
    assert m["training"]["steps"] == 2 and m["training"]["peak_memory_bytes"] > 0
    assert m["evaluation"]["val_loss"] > 0 and m["evaluation"]["answer_f1"]["items"] == 2
    assert m["evaluation"]["answer_f1"]["capped"] is True
    assert m["base_revision"]["kind"] == "sha256" and m["library_versions"]["peft"]
    assert "hr" in m["allowed_groups"]  # the slice keeps restricted pairs
    assert "answer token-F1" in (out / "README.md").read_text()


def test_refusals_before_any_model_loads(
    small_data, state_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:  # type: ignore[no-untyped-def]
    taken = tmp_path / "taken"
    taken.mkdir()
    with pytest.raises(InputError, match="taken"):
        train_adapter(small_data, "taken", taken, state_dir=state_dir)
    with pytest.raises(InputError, match="Invalid adapter name"):
        train_adapter(small_data, "../x", tmp_path / "x", state_dir=state_dir)
    with pytest.raises(InputError, match="method"):
        train_adapter(
            small_data,
            "m",
            tmp_path / "m",
            state_dir=state_dir,
            options=TrainOptions(method="full"),
        )
    tiny = tmp_path / "tiny.jsonl"
    tiny.write_text('{"question": "What is X?", "answer": "X is Y."}\n')
    too_little = check_data(tiny, embedder)
    with pytest.raises(InputError, match="data check failed"):
        train_adapter(too_little, "tiny", tmp_path / "tiny", state_dir=state_dir)
    with pytest.raises(NotFoundError, match="Unknown model"):
        train_adapter(
            small_data,
            "nobase",
            tmp_path / "nobase",
            state_dir=state_dir,
            base_model="no-such-model",
            options=TrainOptions(**FAST),
        )
    assert not (tmp_path / "nobase").exists()
