"""Re-ranking of search results: by exact-answer features (on by default, inside search()),
and by an optional cross-encoder (off unless a model is configured)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexes.search.features import WEIGHTS, feature_score
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


def answer_rerank(
    response: SearchResponse,
    k: int,
    weights: dict[str, float] = WEIGHTS,
    sentence_weight: float = 0.0,
) -> SearchResponse:
    """The best ``k`` results by fused score plus exact-answer features (feature_score) plus
    ``sentence_weight`` times the best sentence cosine (``response.sentence_similarity``; a
    result without one adds nothing); the score field becomes that sum. Ties keep the fused
    order."""
    best = response.sentence_similarity
    scored = [
        (
            r.score
            + feature_score(response.query, r.title, r.section, r.text, weights, sentence_weight)
            + sentence_weight * best.get(r.chunk_id, 0.0),
            i,
            r,
        )
        for i, r in enumerate(response.results)
    ]
    scored.sort(key=lambda t: (-t[0], t[1]))
    results = [replace(r, rank=n, score=s) for n, (s, _, r) in enumerate(scored[:k], start=1)]
    return SearchResponse(response.query, results, response.timings_ms, response.similarity, best)
