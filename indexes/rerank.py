"""Re-ranking of search results by an optional cross-encoder (off unless a model is
configured). The exact-answer re-rank, on by default, is search's own step
(indexes/search/reorder.py)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexes.search.results import SearchResponse
from ragtune.errors import ModelLoadError


@lru_cache(maxsize=2)
def load_reranker(name: str, *, allow_download: bool = False) -> Any:
    """A sentence-transformers CrossEncoder from a local path (or a hub id if allowed)."""
    from sentence_transformers import CrossEncoder

    if not Path(name).expanduser().is_dir() and not allow_download:
        raise ModelLoadError(
            f"Re-ranking model {name!r} is not a local directory and downloads are off",
            hint="set RAGTUNE_RERANK_MODEL to a local cross-encoder directory, or unset it",
        )
    try:
        return CrossEncoder(
            str(Path(name).expanduser()) if Path(name).expanduser().is_dir() else name,
            local_files_only=not allow_download,
        )
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"Could not load re-ranking model {name!r}: {exc}", hint="check RAGTUNE_RERANK_MODEL"
        ) from exc


def rerank(model: Any, response: SearchResponse) -> SearchResponse:
    """Reorder results by cross-encoder score; the score field becomes that score."""
    if not response.results:
        return response
    scores = model.predict([(response.query, r.text) for r in response.results])
    order = sorted(zip(scores, response.results, strict=True), key=lambda p: -float(p[0]))
    results = [replace(r, rank=i, score=float(s)) for i, (s, r) in enumerate(order, start=1)]
    return SearchResponse(response.query, results, response.timings_ms, response.similarity)
