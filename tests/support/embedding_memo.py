"""The real embedder, remembering every text's vector for the rest of the test session.

Many test modules ingest the same corpora (the sample company, the 18F handbook); embedding
them is most of their setup time on two cores. The vectors are the model's own, computed once
per distinct text, so what the tests assert about ranking and answers is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indexes.embeddings import Embedder


class MemoEmbedder:
    """Wraps an Embedder; ``embed`` computes only texts it has not seen before."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.backend = str(getattr(inner, "backend", "sentence-transformers"))
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.inner.embed(missing), strict=True))
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts]).astype(np.float32, copy=False)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
