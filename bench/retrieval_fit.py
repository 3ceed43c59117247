"""Fit the fusion weight and the re-rank features' weights on one corpus (offline, from each
question's candidates), to be reported on another (bench/retrieval_compare.py).

The simulation is the search's own rule: score = w * cosine + (1 - w) * full-text score / the
query's best, over the union of both sides' top 40; the fused top 30 re-ranked by score plus
the weighted features (indexes/search/features.py) plus the sentence weight times the best
sentence cosine (indexes/sentence_vectors.py). The identifier weights are a rule, held fixed;
the fit chooses w, the sentence weight and the other weights by coordinate ascent over a
small grid, maximising MRR@5 + recall@5 / 2 of file+section (label rule), averaged over the
corpora fitted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from bench.retrieval_scoring import is_gold
from indexes.search.features import (
    IDENTIFIER_FEATURES,
    WEIGHTS,
    distinctive_identifiers,
    features,
    heading_path,
    weighted_sum,
)

K = 5
DEPTH = 30
RULE = {name: WEIGHTS[name] for name in IDENTIFIER_FEATURES}
FITTED = ("query_in_heading", "heading_words", "answers", "no_lookalike")
VECTOR_WEIGHTS = (0.7, 0.8, 0.9, 1.0)
FEATURE_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.4)
SENTENCE_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


@dataclass
class Candidates:
    """One question's candidates: each side's ranked (chunk id, score), every candidate's
    cosine, its passage (source, title, section, text) and its best sentence cosine."""

    question: str
    gold: tuple[tuple[str, str | None], ...]
    vector: list[tuple[str, float]]
    text: list[tuple[str, float]]
    cosine: dict[str, float]
    passages: dict[str, tuple[str, str, str, str]]
    sentence: dict[str, float] = field(default_factory=dict)
    _features: dict[tuple[str, ...], dict[str, dict[str, float]]] = field(default_factory=dict)

    def feature(self, chunk_id: str, idents: Sequence[str] | None = None) -> dict[str, float]:
        """The passage's features, reading ``idents`` (default: every identifier asked)."""
        key = tuple(idents) if idents is not None else ("\0all",)
        if key not in self._features:
            self._features[key] = {
                cid: features(self.question, title, section, text, idents)
                for cid, (_, title, section, text) in self.passages.items()
            }
        return self._features[key][chunk_id]

    def identifiers_in(self, pool: Sequence[str]) -> list[str]:
        """The identifiers the re-rank reads for this pool (distinctive_identifiers)."""
        return distinctive_identifiers(
            self.question, [heading_path(*self.passages[cid][1:3]) for cid in pool]
        )


def _is_gold(c: Candidates, chunk_id: str) -> bool:
    source, _, section, _ = c.passages[chunk_id]
    return is_gold(c.gold, source, section)


def ranked(
    c: Candidates, vector_weight: float, weights: dict[str, float], sentence_weight: float = 0.0
) -> list[str]:
    """The question's top K under the search's rule with these weights."""
    best_text = max((s for _, s in c.text), default=0.0) or 1.0
    text = dict(c.text)
    fused = {
        cid: vector_weight * c.cosine.get(cid, 0.0)
        + (1 - vector_weight) * text.get(cid, 0.0) / best_text
        for cid in {cid for cid, _ in c.vector} | set(text)
        if cid in c.passages
    }
    top = sorted(fused, key=lambda cid: -fused[cid])[:DEPTH]
    idents = c.identifiers_in(top)
    total = {
        cid: fused[cid]
        + weighted_sum(c.feature(cid, idents), weights, sentence_weight)
        + sentence_weight * c.sentence.get(cid, 0.0)
        for cid in top
    }
    return sorted(top, key=lambda cid: -total[cid])[:K]


def simulate(pool: Sequence[Candidates], fit: dict[str, Any]) -> dict[str, float]:
    """MRR@K and recall@K (file+section, label rule) of ``fit`` on ``pool``."""
    rr = []
    for c in pool:
        top = ranked(
            c, fit["vector_weight"], fit["feature_weights"], fit.get("sentence_weight", 0.0)
        )
        rank = next((i + 1 for i, cid in enumerate(top) if _is_gold(c, cid)), None)
        rr.append(1 / rank if rank else 0.0)
    return {"mrr": float(np.mean(rr)), "recall": float(np.mean([r > 0 for r in rr]))}


def _objective(pools: Sequence[Sequence[Candidates]], fit: dict[str, Any]) -> float:
    """MRR@K + recall@K / 2, the mean over ``pools``: each corpus counts the same, however
    many questions it has."""
    total = 0.0
    for pool in pools:
        found = simulate(pool, fit)
        total += found["mrr"] + 0.5 * found["recall"]
    return total / len(pools)


def fit_weights(*pools: Sequence[Candidates]) -> dict[str, Any]:
    """The vector, sentence and feature weights that score best on ``pools`` (one per corpus,
    each counting the same; ties: smaller)."""
    best: tuple[float, dict[str, Any]] | None = None
    for vector_weight, sentence_weight in product(VECTOR_WEIGHTS, SENTENCE_WEIGHTS):
        weights = dict(RULE) | {name: 0.0 for name in FITTED}
        for _ in range(2):
            for name in FITTED:
                trials = []
                for value in FEATURE_GRID:
                    trial = {
                        "vector_weight": vector_weight,
                        "sentence_weight": sentence_weight,
                        "feature_weights": weights | {name: value},
                    }
                    trials.append((_objective(pools, trial), -value, value))
                weights[name] = max(trials)[2]
        fit = {
            "vector_weight": vector_weight,
            "sentence_weight": sentence_weight,
            "feature_weights": weights,
        }
        value = _objective(pools, fit)
        if best is None or value > best[0]:
            best = (value, fit)
    assert best is not None
    return best[1]
