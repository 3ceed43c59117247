"""The ONNX Runtime embedder: the same sentence-transformers model, exported locally to ONNX
(transformer, pooling and normalisation in one graph), optionally int8-quantised, run without
torch.

The export runs once, from the local weights (nothing is downloaded), into
``<cache_dir>/<model>-<variant>/`` with a marker recording the source and the parity check
(cosine to the torch embeddings on fixed probe texts); a changed source is exported again, and
an export whose vectors fall below PARITY_MIN_COSINE is refused rather than cached. Processes
sharing a cache export one at a time (a lock file), so a machine-wide cache is safe.

Before quantisation the graph's attention, layer norms and GELUs are fused into ONNX Runtime's
transformer kernels (about a quarter less time per chunk for a BERT-family model); a model the
fusion does not recognise is exported unfused, and the marker says which.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import platform
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from indexes.embedders.batching import BATCH_TOKENS, token_batches
from indexes.embedders.parity import PARITY_MIN_COSINE, PROBE_TEXTS, mean_cosine, min_cosine
from ragtune.errors import ModelLoadError

log = logging.getLogger(__name__)

MARKER = "ragtune-onnx.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# Texts at most this many go through a one-thread session: for a query, a second thread buys
# little and, with the other core busy, costs a lot (see single_threaded_inference).
_SINGLE = 4
VARIANTS = ("fp32", "int8")
# Raised when the export itself changes, so exports made by an older ragtune are redone.
EXPORT_VERSION = 2


def int8_weight_type(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The int8 weight encoding to quantise to on this CPU: "s8" (signed), or "u8" on x86
    CPUs without VNNI.

    Signed weights are ONNX Runtime's fast path (about 25% less CPU per chunk than unsigned
    on an AVX-512 VNNI machine), but the pre-VNNI x86 kernels sum u8 x s8 products in 16 bits,
    which saturates; unsigned weights avoid that. An x86 CPU whose flags cannot be read is
    treated as pre-VNNI.
    """
    if platform.machine().lower() not in {"x86_64", "amd64", "i386", "i686"}:
        return "s8"
    try:
        flags = cpuinfo.read_text(errors="replace")
    except OSError:
        return "u8"
    return "s8" if re.search(r"\b(avx512_vnni|avx_vnni)\b", flags) else "u8"


def _weights_fingerprint(source: Path) -> dict[str, Any]:
    files = sorted(
        p for p in source.rglob("*") if p.suffix in {".safetensors", ".bin"} and p.is_file()
    )
    return {
        "source": str(source),
        "weights": [[p.relative_to(source).as_posix(), p.stat().st_size] for p in files],
        "mtime": max((p.stat().st_mtime for p in files), default=0.0),
    }


def cache_folder(cache_dir: Path, name: str, variant: str) -> Path:
    """Where the export of model ``name`` in ``variant`` (fp32, int8) is kept."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "model"
    return cache_dir / f"{safe}-onnx-{variant}"


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The export's marker, or None when the folder holds no finished export."""
    try:
        if not (folder / MODEL_FILE).is_file():
            return None
        record = json.loads((folder / MARKER).read_text())
        return record if isinstance(record, dict) else None
    except (OSError, ValueError):
        return None


def _export(source: Path, variant: str, target: Path, weights: str | None) -> dict[str, Any]:
    """Export ``source`` to ``target`` (a new folder), check parity, return the marker."""
    import torch
    from sentence_transformers import SentenceTransformer

    # Eager attention exports as the plain MatMul/Softmax pattern ONNX Runtime's fusion
    # recognises; the default (SDPA) exports as a graph it leaves unfused.
    model = SentenceTransformer(
        str(source),
        device="cpu",
        local_files_only=True,
        model_kwargs={"attn_implementation": "eager"},
    ).eval()
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    features = tokenize(["hello world", "a second, longer probe sentence"])
    names = [k for k, v in features.items() if isinstance(v, torch.Tensor)]

    class _Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            out = self.model(dict(zip(names, inputs, strict=True)))
            return out["sentence_embedding"]

    raw = target / "raw.onnx"
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"embedding": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Graph().eval(),
            tuple(features[n] for n in names),
            str(raw),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    fused = _fuse(raw, model)
    if variant == "int8":
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # One scale per output channel: one per tensor loses too much (cosine ~0.95).
        weight_type = QuantType.QInt8 if weights == "s8" else QuantType.QUInt8
        with _quiet():  # its advice to pre-process is for static quantisation
            quantize_dynamic(
                raw,
                target / MODEL_FILE,
                weight_type=weight_type,
                per_channel=True,
                # Fused kernels' outputs have no inferred type; they are float.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        raw.unlink()
    else:
        raw.rename(target / MODEL_FILE)
    model.tokenizer.backend_tokenizer.save(str(target / TOKENIZER_FILE))
    getter = getattr(model, "get_embedding_dimension", None)
    dim = getter() if getter else model.get_sentence_embedding_dimension()
    record: dict[str, Any] = {
        **_weights_fingerprint(source),
        "int8_weights": weights,
        "export_version": EXPORT_VERSION,
        "fused": fused,
        "variant": variant,
        "inputs": names,
        "max_seq_length": int(model.max_seq_length or 512),
        "dim": int(dim or 0),
    }
    reference = model.encode(list(PROBE_TEXTS), normalize_embeddings=True, convert_to_numpy=True)
    exported = OnnxSession(target, record, threads=1).embed(list(PROBE_TEXTS), batch_size=8)
    record["parity_min_cosine"] = min_cosine(reference, exported)
    record["parity_mean_cosine"] = mean_cosine(reference, exported)
    record["parity_bound"] = PARITY_MIN_COSINE
    import onnxruntime

    record["onnxruntime"] = onnxruntime.__version__
    return record


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence ONNX Runtime's tools' per-step INFO and WARNING logs (under top-level logger
    names, so they cannot be targeted) for the few seconds of a one-off export."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def _fuse(raw: Path, model: Any) -> dict[str, int]:
    """Fuse ``raw`` in place for ONNX Runtime's transformer kernels; the fused operators by
    kind, or {} when the graph is not one the BERT fusion recognises (then left as it was)."""
    from onnxruntime.transformers.optimizer import optimize_model

    config = getattr(getattr(model[0], "auto_model", None), "config", None)
    heads = int(getattr(config, "num_attention_heads", 0) or 0)
    hidden = int(getattr(config, "hidden_size", 0) or 0)
    try:
        with warnings.catch_warnings(), _quiet():
            warnings.simplefilter("ignore")
            optimised = optimize_model(
                str(raw), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1
            )
        stats = {k: int(v) for k, v in optimised.get_fused_operator_statistics().items() if v}
    except Exception as exc:  # noqa: BLE001 - any failure leaves the plain graph, which works
        log.info("ONNX fusion skipped for %s: %s", raw, exc)
        return {}
    if not stats.get("Attention"):
        return {}  # nothing worth the change: keep the graph torch exported
    optimised.save_model_to_file(str(raw))
    return stats


def _locked(cache_dir: Path, name: str) -> TextIO:
    """An exclusive lock on one export folder's name, held while it is checked and written."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle = (cache_dir / f"{name}.lock").open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def ensure_exported(source: Path, variant: str, cache_dir: Path, name: str) -> Path:
    """The cached export of ``source``, exporting it first when missing or stale; another
    process exporting the same model into the same cache is waited for, not repeated."""
    if variant not in VARIANTS:
        raise ModelLoadError(f"Unknown ONNX variant {variant!r}", hint="use fp32 or int8")
    folder = cache_folder(cache_dir, name, variant)
    # An export for another CPU's weight encoding (a copied cache) is redone, not reused.
    weights = int8_weight_type() if variant == "int8" else None
    fingerprint = {
        **_weights_fingerprint(source),
        "int8_weights": weights,
        "export_version": EXPORT_VERSION,
    }

    def current() -> bool:
        record = read_marker(folder)
        return record is not None and all(record.get(k) == v for k, v in fingerprint.items())

    if current():
        return folder
    with _locked(cache_dir, folder.name):
        if not current():
            _export_into(folder, source, variant, name, weights)
    return folder


def _export_into(folder: Path, source: Path, variant: str, name: str, weights: str | None) -> None:
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        log.warning(
            "exporting %s to ONNX (%s) in %s: once per cache, about 15 s", name, variant, folder
        )
        record = _export(source, variant, staging, weights)
        if record["parity_min_cosine"] < PARITY_MIN_COSINE:
            raise ModelLoadError(
                f"The ONNX {variant} export of {name} does not reproduce its torch embeddings "
                f"(minimum cosine {record['parity_min_cosine']:.4f} < {PARITY_MIN_COSINE})",
                hint="use RAGTUNE_EMBED_BACKEND=sentence-transformers, or the fp32 variant",
            )
        (staging / MARKER).write_text(json.dumps(record, indent=2) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)  # atomic: a crash never leaves a half-written export in use
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class OnnxSession:
    """An exported graph and its tokenizer: texts in, unit vectors out."""

    def __init__(self, folder: Path, record: dict[str, Any], *, threads: int | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # Spinning threads steal the core the database or another request needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = list(record["inputs"])
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.enable_truncation(int(record["max_seq_length"]))
        # Padded here, per batch, to the batch's longest text (see ``embed``).
        self._pad_id = int((self._tokenizer.padding or {}).get("pad_id", 0))
        self._tokenizer.no_padding()

    def embed(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        """Unit vectors for ``texts`` in their order; tokenized once, batched by token count
        (indexes/embedders/batching.py: 1.6x the texts a second on the 18F handbook, 2 cores,
        against batches sorted by characters)."""
        encoded = self._tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encoded]
        out: np.ndarray | None = None
        for rows in token_batches(lengths, batch_size, BATCH_TOKENS):
            width = max(lengths[i] for i in rows)
            ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for k, i in enumerate(rows):
                n = lengths[i]
                ids[k, :n], mask[k, :n], types[k, :n] = (
                    encoded[i].ids,
                    encoded[i].attention_mask,
                    encoded[i].type_ids,
                )
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            vectors = self._session.run(None, {n: feed[n] for n in self._inputs})[0]
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        assert out is not None
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)


class OnnxEmbedder:
    """The configured sentence-transformers model run by ONNX Runtime (``variant`` int8 or
    fp32); exported and parity-checked on first use, then loaded from the cache."""

    def __init__(
        self,
        name: str,
        *,
        source: Path,
        cache_dir: Path,
        variant: str = "int8",
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        try:
            folder = ensure_exported(source, variant, cache_dir, name)
        except ModelLoadError:
            raise
        except (OSError, RuntimeError, ValueError) as exc:
            raise ModelLoadError(
                f"Could not export embedding model {name!r} to ONNX: {exc}",
                hint="set RAGTUNE_EMBED_BACKEND=sentence-transformers",
            ) from exc
        record = read_marker(folder)
        assert record is not None
        self.record = record
        self.name = name
        self.backend = f"onnx-{variant}"
        self.dim = int(record["dim"])
        self.batch_size = batch_size
        self.parity = float(record["parity_min_cosine"])
        self._folder = folder
        self._bulk = OnnxSession(folder, record, threads=threads)
        self._single: OnnxSession | None = None
        from tokenizers import Tokenizer

        self._counter = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._counter.no_truncation()
        self._counter.no_padding()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= _SINGLE:
            if self._single is None:
                self._single = OnnxSession(self._folder, self.record, threads=1)
            return self._single.embed(list(texts), batch_size=self.batch_size)
        return self._bulk.embed(list(texts), batch_size=self.batch_size)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)
