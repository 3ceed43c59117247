"""What a run records about its configuration, so two runs can be told apart later.

Models (embedder, generator, adapters), the judge and its fingerprint, index statistics, the
git commit, the suite's name and SHA-256, the target, and the run's own knobs. Whatever cannot
be found (no git, no database) is recorded as absent with the reason, never guessed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.judges.protocol import Judge

if TYPE_CHECKING:
    from indexes.database import Database
    from ragtune.settings import Settings


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the suite and answers files are small)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def describe_index(db: Database | None, reason: str = "") -> dict[str, Any]:
    """Collections, documents and chunks; ``{"error": ...}`` when the database is unreachable."""
    if db is None:
        return {"error": reason or "no database"}
    from evals.runs.store import index_stats

    return index_stats(db)


def adapter_weights_sha256(path: Path) -> str | None:
    """SHA-256 of an adapter folder's safetensors weights (None when the file is missing)."""
    from generation.adapters import WEIGHTS

    weights = path / WEIGHTS
    if not weights.is_file():
        return None
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_pins(db: Database | None) -> dict[str, Any]:
    """What produced a run's answers, in hashes: the prompt templates, the index snapshot
    (per collection) and every adapter's weights and training data. The judge's fingerprint
    is recorded next to it by the runner (``config.judge``)."""
    from generation.grounded_prompt import prompt_template_hash

    pins: dict[str, Any] = {"prompt_template_sha256": prompt_template_hash()}
    if db is not None:
        from indexes.snapshot import index_snapshot

        pins["index_snapshot"] = index_snapshot(db)
    return pins


def describe_adapters(db: Database | None) -> list[dict[str, Any]]:
    """Registered adapters with their base model and active scopes (empty without a database)."""
    if db is None:
        return []
    from generation.adapter_registry import list_adapters

    return [
        {
            "name": a.name,
            "base_model": a.base_model,
            "method": a.method,
            "active_scopes": list(a.active_scopes),
            "weights_sha256": adapter_weights_sha256(a.path),
            "data_sha256": (a.manifest.get("data") or {}).get("sha256"),
        }
        for a in list_adapters(db)
    ]


def describe_models(settings: Settings, adapters: list[dict[str, Any]]) -> dict[str, Any]:
    """The models a run used: embedder, generator and the adapter registry."""
    return {
        "embed_model": settings.embed_model,
        "generator_model": settings.model,
        "generator_backend": settings.generator_backend,
        "model_precision": settings.model_precision,
        "adapters": adapters,
    }


def describe_answering(settings: Settings) -> dict[str, Any]:
    """The settings that decide how the in-process agent answers: the collection, every
    ``agent_*`` and ``search_*`` setting. Two runs that differ only here (report or abstain
    mode, a relevance bar, a fusion weight) are told apart by it."""
    values = settings.model_dump(mode="json")
    return {
        "collection": settings.collection,
        **{k: v for k, v in values.items() if k.startswith(("agent_", "search_"))},
    }


def describe_judge(judge: Judge) -> dict[str, str]:
    """Name and fingerprint (name, version, model, threshold) of the judge."""
    return {"name": judge.name, "fingerprint": judge.fingerprint}
