"""A short README.md for an adapter folder, generated from its manifest."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, digits: int = 4) -> str:
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def render(manifest: dict[str, Any]) -> str:
    """Markdown model card: what the adapter is, what it was trained on, how well it does."""
    hp = manifest["hyperparameters"]
    data = manifest["data"]
    ev = manifest["evaluation"]
    f1 = ev.get("answer_f1") or {}
    lines = [
        f"# {manifest['name']}",
        "",
        f"A {manifest['method'].upper()} adapter for `{manifest['base_model']}` "
        f"({manifest['base_revision']['kind']} `{manifest['base_revision']['value'][:16]}`), "
        "trained by ragtune on curated question/answer pairs.",
        "",
        "## Data",
        f"- file `{data['file']}` (sha256 `{data['sha256'][:16]}…`)",
        f"- {data['train']} training and {data['validation']} validation pairs "
        f"(split seed {data['split_seed']}); domains: "
        + ", ".join(f"{d} {n}" for d, n in data["domains"].items()),
        f"- usable by groups: {', '.join(manifest['allowed_groups'])}",
        "",
        "## Training",
        f"- rank {hp['rank']}, alpha {_fmt(hp['alpha'])}, dropout {_fmt(hp['dropout'])}, "
        f"lr {_fmt(hp['learning_rate'])} ({hp['scheduler']}, warmup {_fmt(hp['warmup_ratio'])})",
        f"- batch {hp['batch_size']} x accumulation {hp['grad_accum']}, "
        f"{manifest['training']['steps']} steps, seed {hp['seed']}",
        f"- target modules: {', '.join(manifest['target_modules'])}",
        f"- {_fmt(manifest['training']['seconds'], 3)} s on {manifest['training']['device']}, "
        f"peak memory {manifest['training']['peak_memory_bytes'] / 2**20:.0f} MiB",
        "",
        "## Evaluation (validation set)",
        f"- training loss {_fmt(ev['train_loss'])}, validation loss {_fmt(ev['val_loss'])}",
    ]
    if f1:
        lines.append(
            f"- answer token-F1 (greedy, {f1['items']} of {data['validation']} items, "
            f"{f1['max_new_tokens']} new tokens): base {f1['base']:.3f}, "
            f"adapter {f1['adapter']:.3f}"
        )
    lines += [
        "",
        "Token-F1 measures vocabulary and phrasing overlap with the curated answers, not factual "
        "accuracy; answers needing current facts should go through retrieval.",
        "",
    ]
    return "\n".join(lines)
