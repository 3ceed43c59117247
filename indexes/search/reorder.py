"""The exact-answer re-rank, search's last step: fused score plus the passage's features
(indexes/search/features.py) plus its best sentence's cosine."""

from __future__ import annotations

from dataclasses import replace

from indexes.search.features import (
    WEIGHTS,
    distinctive_identifiers,
    feature_score,
    heading_path,
)
from indexes.search.results import SearchResponse


def answer_rerank(
    response: SearchResponse,
    k: int,
    weights: dict[str, float] = WEIGHTS,
    sentence_weight: float = 0.0,
) -> SearchResponse:
    """The best ``k`` results by fused score plus exact-answer features (feature_score) plus
    ``sentence_weight`` times the best sentence cosine (``response.sentence_similarity``; a
    result without one adds nothing); the score field becomes that sum. Ties keep the fused
    order. Only the question's identifiers that single out a few results count
    (distinctive_identifiers)."""
    best = response.sentence_similarity
    idents = distinctive_identifiers(
        response.query, [heading_path(r.title, r.section) for r in response.results]
    )
    scored = [
        (
            r.score
            + feature_score(
                response.query, r.title, r.section, r.text, weights, sentence_weight, idents
            )
            + sentence_weight * best.get(r.chunk_id, 0.0),
            i,
            r,
        )
        for i, r in enumerate(response.results)
    ]
    scored.sort(key=lambda t: (-t[0], t[1]))
    results = [replace(r, rank=n, score=s) for n, (s, _, r) in enumerate(scored[:k], start=1)]
    return SearchResponse(response.query, results, response.timings_ms, response.similarity, best)
