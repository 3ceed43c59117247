"""Where an adapter came from: base model hash or revision and library versions (the git commit
is ragtune.provenance's)."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

LIBRARIES = ("torch", "transformers", "peft", "bitsandbytes", "accelerate", "safetensors")


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape a trained adapter."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def base_model_revision(source: str) -> dict[str, str]:
    """Identify the base weights: sha256 of a local folder's safetensors files, else the hub
    snapshot's commit (looked up in the local cache only, never fetched)."""
    folder = Path(source)
    if folder.is_dir():
        digest = hashlib.sha256()
        for weights in sorted(folder.glob("*.safetensors")):
            digest.update(weights.name.encode())
            with weights.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return {"kind": "sha256", "value": digest.hexdigest()}
    try:
        from huggingface_hub import snapshot_download

        snapshot = snapshot_download(source, local_files_only=True)
        return {"kind": "hub_revision", "value": Path(snapshot).name}
    except Exception:  # noqa: BLE001 - provenance is best effort for uncached hub ids
        return {"kind": "hub_id", "value": source}
