"""LoRA adapters on one loaded base model: checked, loaded as peft named adapters, chosen per
request, unloaded.

An adapter is a folder holding ``manifest.json`` (ragtune's record: which base, rank, target
modules), ``adapter_config.json`` (peft's) and ``adapter_model.safetensors``. Weights are read
only through safetensors: a pickle file (``.bin``, ``.pt``) is refused, never opened. Before any
weight touches the model, the adapter is checked against the base: the manifest must name this
base, and every tensor must sit on a linear layer the base has, with the shapes that layer and
the stated rank imply. A refusal says which check failed.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from generation.base_models import LoadedModel
from ragtune.errors import InputError, ModelMismatchError, NotFoundError, RagtuneError

MANIFEST = "manifest.json"
PEFT_CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
# peft keeps adapters in ModuleDicts keyed by name, where a '.' is not allowed.
ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# peft stores adapter tensors under the PeftModel's prefix, without the adapter's name.
_KEY = re.compile(r"^base_model\.model\.(?P<module>.+)\.(?P<part>lora_A|lora_B)\.weight$")


class AdapterManifest(BaseModel):
    """ragtune's record of an adapter; training writes it, loading checks it."""

    model_config = ConfigDict(extra="allow")

    name: str
    base_model: str = Field(description="The ragtune model name (or hub id) it was trained on.")
    rank: int = Field(ge=1)
    alpha: float | None = None
    target_modules: list[str] = Field(min_length=1)
    format: str = Field(default="safetensors", pattern=r"^safetensors$")
    created_at: str | None = None


@dataclass(frozen=True)
class AdapterInfo:
    """An adapter that passed the checks (and is loaded, when returned by AdapterSet.load)."""

    name: str
    path: Path
    manifest: AdapterManifest
    n_tensors: int


def lora_target_modules(model: Any) -> list[str]:
    """Leaf names of the linear layers inside the model's repeated blocks: the LoRA targets.

    Read from the loaded model rather than copied from a recipe, because families differ:
    Llama/SmolLM2 have q/k/v/o_proj and gate/up/down_proj, Phi-3 fuses them into ``qkv_proj``
    and ``gate_up_proj``. The output head and embeddings sit outside the blocks and are left out.
    """
    return sorted({path.rsplit(".", 1)[-1] for path in linear_layers(model)})


def linear_layers(model: Any) -> dict[str, tuple[int, int]]:
    """``{module path: (in_features, out_features)}`` for each linear layer in a repeated block
    (a path with a numeric index), 4-bit layers included; peft's own LoRA parts are skipped."""
    import torch

    found: dict[str, tuple[int, int]] = {}
    for path, module in model.named_modules():
        parts = path.split(".")
        if not any(p.isdigit() for p in parts) or any(p.startswith("lora_") for p in parts):
            continue
        if parts[-1] == "base_layer":  # a peft-wrapped layer: report it under the wrapper's path
            path = ".".join(parts[:-1])
        if isinstance(module, torch.nn.Linear):
            found[path] = (int(module.in_features), int(module.out_features))
    return found


def write_adapter(
    peft_model: Any, adapter_name: str, out_dir: Path, *, base_model: str, **extra: Any
) -> AdapterInfo:
    """Save one named adapter of ``peft_model`` as a ragtune adapter folder (safetensors only)."""
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    config = peft_model.peft_config[adapter_name]
    out_dir.mkdir(parents=True, exist_ok=True)
    state = get_peft_model_state_dict(peft_model, adapter_name=adapter_name)
    save_file({k: v.detach().contiguous().cpu() for k, v in state.items()}, out_dir / WEIGHTS)
    config.save_pretrained(str(out_dir))
    manifest = AdapterManifest(
        name=out_dir.name,
        base_model=base_model,
        rank=int(config.r),
        alpha=float(config.lora_alpha),
        target_modules=sorted(config.target_modules),
        created_at=_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        **extra,
    )
    (out_dir / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
    return AdapterInfo(manifest.name, out_dir, manifest, len(state))


def _refuse(
    name: str, reason: str, hint: str, cls: type[RagtuneError] = ModelMismatchError
) -> NoReturn:
    raise cls(f"Adapter {name!r} refused: {reason}", hint)


def _read_manifest(name: str, folder: Path) -> AdapterManifest:
    try:
        return AdapterManifest.model_validate_json((folder / MANIFEST).read_text())
    except FileNotFoundError:
        _refuse(
            name,
            f"{folder} has no {MANIFEST}",
            "train it with ragtune, or add the manifest",
            InputError,
        )
    except (ValidationError, ValueError) as exc:
        _refuse(
            name, f"its {MANIFEST} is invalid: {exc}", "fix or re-create the manifest", InputError
        )


def _read_peft_config(name: str, folder: Path, manifest: AdapterManifest) -> Any:
    from peft import LoraConfig

    try:
        raw = json.loads((folder / PEFT_CONFIG).read_text())
    except FileNotFoundError:
        _refuse(name, f"{folder} has no {PEFT_CONFIG}", "save the adapter with peft", InputError)
    except ValueError as exc:
        _refuse(name, f"its {PEFT_CONFIG} is not JSON: {exc}", "re-save the adapter", InputError)
    if raw.get("peft_type") != "LORA":
        _refuse(
            name,
            f"it is a {raw.get('peft_type')} adapter, not LoRA",
            "only LoRA/QLoRA adapters are supported",
            InputError,
        )
    config = LoraConfig.from_peft_type(**raw)
    config.inference_mode = True
    targets = sorted(config.target_modules or [])
    if config.r != manifest.rank or targets != sorted(manifest.target_modules):
        _refuse(
            name,
            f"the manifest says rank {manifest.rank} on {sorted(manifest.target_modules)} but "
            f"{PEFT_CONFIG} says rank {config.r} on {targets}",
            "re-export the adapter so both files agree",
            InputError,
        )
    return config


def _read_weights(name: str, folder: Path) -> dict[str, Any]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    weights = folder / WEIGHTS
    if not weights.is_file():
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
        if pickles:
            _refuse(
                name,
                f"its weights are pickle files ({', '.join(pickles)}), which can run code when "
                "loaded; only safetensors is read",
                "convert it once in a trusted environment: "
                "model.save_pretrained(dir, safe_serialization=True)",
                InputError,
            )
        _refuse(name, f"{folder} has no {WEIGHTS}", "save the adapter with safetensors", InputError)
    try:
        return load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as exc:
        _refuse(
            name,
            f"{weights.name} is corrupt or truncated ({exc})",
            "re-copy or re-train the adapter",
            InputError,
        )


def check_adapter(
    name: str, folder: Path, base: LoadedModel, linears: dict[str, tuple[int, int]]
) -> tuple[AdapterManifest, Any, dict[str, Any]]:
    """Run every check without touching the model; return manifest, peft config and tensors."""
    manifest = _read_manifest(name, folder)
    if manifest.base_model not in base.aliases:
        _refuse(
            name,
            f"it was trained on {manifest.base_model!r}, but the loaded base model is "
            f"{base.name!r}",
            f"load it with --model {manifest.base_model} (RAGTUNE_MODEL), or train an adapter "
            f"for {base.name}",
        )
    config = _read_peft_config(name, folder, manifest)
    leaves = {path.rsplit(".", 1)[-1] for path in linears}
    missing = sorted(set(config.target_modules) - leaves)
    if missing:
        _refuse(
            name,
            f"target modules {missing} do not exist in {base.name} (its linear layers are "
            f"{sorted(leaves)})",
            "train the adapter on this base; target modules come from lora_target_modules()",
        )
    tensors = _read_weights(name, folder)
    rank = config.r
    for key, tensor in tensors.items():
        match = _KEY.match(key)
        if match is None:
            _refuse(
                name,
                f"unexpected tensor {key!r} (only LoRA A/B weights are loaded)",
                "re-export the adapter without extra modules",
            )
        module, part = match["module"], match["part"]
        if module not in linears:
            _refuse(
                name,
                f"tensor {key!r} targets {module!r}, which {base.name} does not have",
                "the adapter was trained on another architecture",
            )
        in_features, out_features = linears[module]
        expected = (rank, in_features) if part == "lora_A" else (out_features, rank)
        if tuple(tensor.shape) != expected:
            _refuse(
                name,
                f"{module}.{part} has shape {tuple(tensor.shape)}, but rank {rank} on this base "
                f"needs {expected}",
                "the rank or the base model differs from what the adapter was trained with",
            )
    if not tensors:
        _refuse(name, f"{WEIGHTS} holds no tensors", "re-export the adapter", InputError)
    return manifest, config, tensors


def check_adapter_name(name: str) -> str:
    """``name`` if it can name an adapter (a folder and a peft adapter name), else InputError."""
    if not ADAPTER_NAME.match(name):
        raise InputError(
            f"Invalid adapter name {name!r}",
            hint="use 1-64 letters, digits, '_' or '-', starting with a letter or digit "
            "(peft adapter names cannot contain '.')",
        )
    return name


def find_adapter(name: str, adapters_dir: Path | None) -> Path:
    """The folder of adapter ``name`` in ``adapters_dir`` (never a path relative to the working
    directory: a folder there that happens to share the name must not be picked up)."""
    if adapters_dir is not None and ADAPTER_NAME.match(name):
        folder = adapters_dir / name
        if folder.is_dir():
            return folder
    available = (
        sorted(p.name for p in adapters_dir.iterdir() if (p / MANIFEST).is_file())
        if adapters_dir is not None and adapters_dir.is_dir()
        else []
    )
    raise NotFoundError(
        f"Adapter {name!r} not found in {adapters_dir}"
        + (f" (available: {', '.join(available)})" if available else " (none there)"),
        hint="train one with ragtune, or set RAGTUNE_ADAPTERS_DIR to the folder holding it",
    )


class AdapterSet:
    """Named LoRA adapters on one base model; ``use(name)`` picks one (or none) for a request.

    Switching is global state on the model, so ``use`` holds a lock for the whole request:
    requests on one base are served one at a time, each with its own adapter.
    """

    def __init__(self, base: LoadedModel, adapters_dir: Path | None = None) -> None:
        self.base = base
        self.adapters_dir = adapters_dir
        self._linears = linear_layers(base.model)
        self._peft: Any = None  # the PeftModel once the first adapter is loaded
        self._info: dict[str, AdapterInfo] = {}
        self.lock = threading.RLock()

    @property
    def names(self) -> list[str]:
        return sorted(self._info)

    @property
    def target_modules(self) -> list[str]:
        return sorted({path.rsplit(".", 1)[-1] for path in self._linears})

    def find(self, name: str) -> Path:
        """The folder of adapter ``name`` in the adapters directory (or ``name`` as a path)."""
        return find_adapter(name, self.adapters_dir)

    def load(self, name: str, path: Path | None = None) -> AdapterInfo:
        """Check and load adapter ``name`` (from ``path`` or the adapters directory)."""
        from peft import PeftModel, set_peft_model_state_dict

        check_adapter_name(name)
        folder = path if path is not None else self.find(name)
        with self.lock:
            if name in self._info:
                return self._info[name]
            manifest, config, tensors = check_adapter(name, folder, self.base, self._linears)
            if self._peft is None:
                self._peft = PeftModel(self.base.model, config, adapter_name=name)
            else:
                self._peft.add_adapter(name, config)
            try:
                result: Any = set_peft_model_state_dict(self._peft, tensors, adapter_name=name)
            except RuntimeError as exc:  # shapes were checked; this is a last line of defence
                self._drop(name)
                _refuse(name, f"peft could not load its weights: {exc}", "re-export the adapter")
            missing = [k for k in result.missing_keys if f".{name}." in k and "lora_" in k]
            if result.unexpected_keys or missing:
                self._drop(name)
                _refuse(
                    name,
                    f"weights do not match its config (missing {missing[:3]}, "
                    f"unexpected {list(result.unexpected_keys)[:3]})",
                    "re-export the adapter",
                )
            self._peft.eval()
            info = AdapterInfo(name, folder, manifest, len(tensors))
            self._info[name] = info
            return info

    def _drop(self, name: str) -> None:
        if self._peft is not None and name in self._peft.peft_config:
            if len(self._peft.peft_config) == 1:
                self._peft.unload()
                self._peft = None
            else:
                if self._peft.active_adapter == name:  # hand "active" on before deleting
                    self._peft.set_adapter(
                        next(n for n in self._peft.peft_config if n != name), inference_mode=True
                    )
                self._peft.delete_adapter(name)
        self._info.pop(name, None)

    def unload(self, name: str) -> None:
        """Remove adapter ``name`` from the model; the base is left as it was loaded."""
        with self.lock:
            if name not in self._info:
                raise NotFoundError(
                    f"Adapter {name!r} is not loaded", f"loaded: {', '.join(self.names) or 'none'}"
                )
            self._drop(name)

    @contextmanager
    def use(self, name: str | None) -> Iterator[Any]:
        """Hold the model with adapter ``name`` active (``None``: the bare base); yields the
        module to call ``generate`` on. Loads a named adapter on first use."""
        if name is not None and name not in self._info:
            self.load(name)
        with self.lock:
            if self._peft is None:
                yield self.base.model
            elif name is None:
                with self._peft.disable_adapter():
                    yield self._peft
            else:
                self._peft.set_adapter(name, inference_mode=True)
                yield self._peft
