"""The query's embedding, computed on a worker thread while the database does everything else."""

from __future__ import annotations

import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from indexes.embeddings import Embedder, single_threaded_inference

# One single-threaded worker: query embeddings queue here instead of running several at once
# on the same model, and each leaves the other cores to the database (see
# single_threaded_inference). Throughput is about one query per 15-20 ms per process.
_QUERY_EMBEDDING = ThreadPoolExecutor(
    max_workers=1,
    thread_name_prefix="ragtune-query-embed",
    initializer=single_threaded_inference,
)


# Pictographs and the marks that build them (skin tones, variation selectors, the joiner)
# say nothing a sentence embedder reads: all-MiniLM-L6-v2 reads "😀" as its unknown token,
# which moved a question's cosine with its answer by up to 0.05, across the relevance bar.
_GLUE = frozenset("\ufe0e\ufe0f\u200d")
_NOT_READ = frozenset({"So", "Cs", "Co", "Cn"})


def embeddable(query: str) -> str:
    """``query`` without pictographs, symbols and unassigned characters, as the query is
    embedded (the full-text side reads the query as sent). A query of nothing else stays."""
    kept = "".join(
        ch
        for ch in query
        if ch not in _GLUE
        and unicodedata.category(ch) not in _NOT_READ
        and not 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin tones
    )
    return " ".join(kept.split()) or query


def _embed_timed(embedder: Embedder, text: str) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    vector = embedder.embed([text])[0]
    return vector, (time.perf_counter() - started) * 1000


class QueryEmbedding:
    """One query's embedding, started on the shared worker as soon as the query is known.

    ``vector()`` waits for it and records ``embed`` (the embedding itself) and ``wait`` (how
    long the caller waited for it) in ``timings``, in milliseconds.
    """

    def __init__(self, embedder: Embedder, text: str, timings: dict[str, float]) -> None:
        self._pending = _QUERY_EMBEDDING.submit(_embed_timed, embedder, text)
        self._timings = timings

    def vector(self, *, record: bool = True) -> np.ndarray:
        """The query vector, once computed; ``record``: count the wait as the caller's
        (False for work running alongside it, whose waiting delays nothing)."""
        waiting = time.perf_counter()
        vector, self._timings["embed"] = self._pending.result()
        if record:
            self._timings["wait"] = (time.perf_counter() - waiting) * 1000
        return vector
