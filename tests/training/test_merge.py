"""Merging an adapter into the fp32 base keeps the logits (parity checked and reported).

The factory adapter is deliberately strong (B scaled x20), so fp32 summation-order noise
reaches ~0.1 in raw logits; a trained adapter stays far below the default tolerance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generation.base_models import DEFAULT_MODEL
from ragtune.errors import InputError, ModelMismatchError
from tests.support.lora_factory import make_adapter
from tests.support.model_fixtures import SMOL_TARGETS, fresh_base
from training.merge import REPORT, merge_adapter


@pytest.mark.slow
def test_merge_passes_parity_and_loads_without_peft(state_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    adapter = make_adapter(
        fresh_base(state_dir).model,
        tmp_path / "quill",
        base_model=DEFAULT_MODEL,
        targets=SMOL_TARGETS,
        rank=4,
        seed=3,
    )
    out = tmp_path / "merged"
    with pytest.raises(ModelMismatchError, match="differs"):
        merge_adapter(
            "quill", adapter, out, state_dir=state_dir, base_model=DEFAULT_MODEL, tolerance=1e-9
        )
    assert not out.exists()
    report = merge_adapter(
        "quill", adapter, out, state_dir=state_dir, base_model=DEFAULT_MODEL, tolerance=1.0
    )
    assert report.passed and report.max_abs_logit_diff <= report.tolerance
    assert json.loads((out / REPORT).read_text())["max_abs_logit_diff"] == report.max_abs_logit_diff
    merged = AutoModelForCausalLM.from_pretrained(out)
    assert not any("lora" in n for n, _ in merged.named_parameters())
    with pytest.raises(InputError, match="already exists"):
        merge_adapter("quill", adapter, out, state_dir=state_dir, base_model=DEFAULT_MODEL)
