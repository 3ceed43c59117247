"""QLoRA vs LoRA on the same data and steps: peak memory, step time, tokens/s, answer F1.

Each method trains in its own subprocess, so the process peak RSS (CPU) or the CUDA peak
(GPU) belongs to that method alone. The Phi-3 cookbook says QLoRA is about 30% slower than
LoRA and needs far less memory; this prints what this machine shows.

    python -m bench.training [--steps N] [--f1-items N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, write_result

REPO = Path(__file__).resolve().parent.parent
SAMPLE_QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"


def run_one(method: str, steps: int, f1_items: int, seq: int, state_dir: Path) -> dict[str, Any]:
    """Train one adapter in this process and return the manifest (called in a subprocess)."""
    from indexes.embeddings import load_embedder
    from ragtune.resources import quiet_libraries
    from training.data.checks import check_data
    from training.train import TrainOptions, train_adapter

    quiet_libraries()
    data = check_data(SAMPLE_QA, load_embedder("all-MiniLM-L6-v2"))
    out = Path(tempfile.mkdtemp(prefix="ragtune-bench-")) / f"bench-{method}"
    options = TrainOptions(
        method=method,
        max_steps=steps,
        batch_size=4,
        grad_accum=1,
        max_seq_tokens=seq,
        f1_items=f1_items,
        f1_max_new_tokens=48,
        save_steps=steps,
    )
    return train_adapter(data, out.name, out, state_dir=state_dir, options=options).manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--f1-items", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--state-dir", type=Path, default=REPO / ".ragtune")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one", choices=["qlora", "lora"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        manifest = run_one(args.one, args.steps, args.f1_items, args.seq, args.state_dir)
        print(json.dumps(manifest))
        return
    runs = {}
    for method in ("qlora", "lora"):
        cmd = [
            sys.executable,
            "-m",
            "bench.training",
            "--one",
            method,
            "--steps",
            str(args.steps),
            "--f1-items",
            str(args.f1_items),
            "--seq",
            str(args.seq),
            "--state-dir",
            str(args.state_dir),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
        runs[method] = json.loads(done.stdout.strip().splitlines()[-1])
    q, lo = runs["qlora"]["training"], runs["lora"]["training"]
    figures = {
        m: {
            "peak_memory_mib": round(r["training"]["peak_memory_bytes"] / 2**20, 1),
            "peak_memory_kind": r["training"]["peak_memory_kind"],
            "base_footprint_mib": round(r["training"]["base_footprint_bytes"] / 2**20, 1),
            "step_seconds": r["training"]["step_seconds"],
            "tokens_per_second": r["training"]["tokens_per_second"],
            "train_loss": r["evaluation"]["train_loss"],
            "val_loss": r["evaluation"]["val_loss"],
            "answer_f1": r["evaluation"]["answer_f1"],
        }
        for m, r in runs.items()
    }
    payload = {
        "benchmark": "training",
        "when": now_iso(),
        "machine": describe_machine(),
        "data": str(SAMPLE_QA.relative_to(REPO)),
        "steps": args.steps,
        "batch_size": 4,
        "max_seq_tokens": args.seq,
        "device": q["device"],
        "methods": figures,
        "ratios": {
            "qlora_over_lora_peak_memory": round(
                q["peak_memory_bytes"] / lo["peak_memory_bytes"], 3
            ),
            "qlora_over_lora_base_footprint": round(
                q["base_footprint_bytes"] / lo["base_footprint_bytes"], 3
            ),
            "qlora_over_lora_step_time": round(q["step_seconds"] / lo["step_seconds"], 3),
        },
    }
    path = write_result("training", payload, quick=args.quick)
    rows = [
        [
            m,
            f["peak_memory_mib"],
            f["base_footprint_mib"],
            f["step_seconds"],
            f["tokens_per_second"],
            f["answer_f1"]["base"],
            f["answer_f1"]["adapter"],
        ]
        for m, f in figures.items()
    ]
    print(
        markdown_table(
            ["method", "peak MiB", "base MiB", "s/step", "tok/s", "F1 base", "F1 adapter"], rows
        )
    )
    print(f"ratios: {payload['ratios']}; wrote {path}")


if __name__ == "__main__":
    main()
