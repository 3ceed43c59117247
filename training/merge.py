"""Merge an adapter into a full-precision copy of its base, with a logits parity check.

The merged model is a plain transformers model (no peft at load time), e.g. for a server
without LoRA support. Parity: on fixed probe prompts, the merged model's logits must match the
unmerged base + adapter within ``tolerance``; the measured difference is reported either way
and the output is only kept when it passes.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ragtune.errors import InputError, ModelMismatchError

PROBES = [
    [{"role": "user", "content": "What does a support engineer do on call?"}],
    [{"role": "user", "content": "How do we write product names in customer replies?"}],
]
TOLERANCE = 1e-3  # fp32 merge reorders one matmul sum; observed differences are ~1e-5
REPORT = "ragtune-merge.json"


@dataclass
class MergeReport:
    adapter: str
    base_model: str
    out: str
    max_abs_logit_diff: float
    tolerance: float
    passed: bool
    probes: int


def _logits(model: Any, tokenizer: Any) -> list[Any]:
    import torch

    out = []
    for messages in PROBES:
        batch = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(model.device)
        with torch.no_grad():
            out.append(model(**batch).logits.float().cpu())
    return out


def merge_adapter(
    name: str,
    adapter_dir: Path,
    out_dir: Path,
    *,
    state_dir: Path,
    base_model: str,
    tolerance: float = TOLERANCE,
    force: bool = False,
    allow_download: bool = False,
) -> MergeReport:
    """Merge ``adapter_dir`` into an fp32 ``base_model`` and save it to ``out_dir``."""
    from generation.adapters import AdapterSet
    from generation.base_models import load_model

    out_dir = Path(out_dir).expanduser().resolve()
    if out_dir.exists() and not force:
        raise InputError(f"{out_dir} already exists", hint="choose another --out or pass --force")
    base = load_model(
        base_model, state_dir=state_dir, precision="fp32", allow_download=allow_download
    )
    adapters = AdapterSet(base)
    adapters.load(name, adapter_dir)
    with adapters.use(name) as peft_model:
        unmerged = _logits(peft_model, base.tokenizer)
        merged_model = peft_model.merge_and_unload()
    merged = _logits(merged_model, base.tokenizer)
    diff = max(float((a - b).abs().max()) for a, b in zip(unmerged, merged, strict=True))
    report = MergeReport(
        name, base_model, str(out_dir), diff, tolerance, diff <= tolerance, len(PROBES)
    )
    if not report.passed:
        raise ModelMismatchError(
            f"Merged {name!r} differs from base + adapter: max logit difference {diff:.3g} "
            f"exceeds {tolerance:g}",
            hint="nothing was written; serve the adapter unmerged, or raise --tolerance",
        )
    staging = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        merged_model.save_pretrained(staging, safe_serialization=True)
        base.tokenizer.save_pretrained(staging)
        (staging / REPORT).write_text(json.dumps(asdict(report), indent=2) + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
