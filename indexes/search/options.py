"""What one search may be asked: its tunables, from the settings, and the query's checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ragtune.errors import InputError
from ragtune.settings import Settings

Mode = Literal["hybrid", "vector", "text"]
MODES: tuple[Mode, ...] = ("hybrid", "vector", "text")
Fusion = Literal["weighted", "rrf"]
FUSIONS: tuple[Fusion, ...] = ("weighted", "rrf")
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class SearchOptions:
    """Tunables of one search; see docs/configuration.md."""

    collection: str = "default"
    k: int = 5
    mode: Mode = "hybrid"
    candidates: int = 40
    ef_search: int = 100
    rrf_k: int = 60
    # Hybrid fusion: "weighted" scores vector_weight * cosine + (1 - vector_weight) * the
    # full-text rank relative to the query's best; "rrf" is reciprocal-rank fusion with rrf_k.
    # Weighted is the default because RRF lost to vector-only on held-out data and weighted
    # did not; 0.8 was fitted with the re-rank weights below on the sample company and the
    # 18F handbook's design questions together, each corpus counting the same
    # (bench/retrieval_compare.py's pooled fit), and is reported on the blind 18F sets.
    fusion: Fusion = "weighted"
    vector_weight: float = 0.8
    # Re-rank this many fused rows by exact-answer features (indexes/search/features.py):
    # identifiers the question names, heading match, passages that answer rather than ask.
    # 0 turns it off (results in fused order).
    rerank_depth: int = 30
    # The features' weights when re-ranking; None: indexes.search.features.WEIGHTS.
    feature_weights: Mapping[str, float] | None = None
    # When re-ranking, add this times the best cosine of a candidate's sentences with the
    # query (indexes/sentence_vectors.py; the chunk cosine for chunks stored without them).
    # Fitted with the other weights (the pooled fit above), reported on the blind 18F sets.
    sentence_weight: float = 0.5
    # Requested narrowing by the caller; always intersected with the principal's own groups.
    groups: frozenset[str] | None = None
    sources: Sequence[str] | None = None
    # About how many chunks the full-text side may fetch and rank (see pick_lexemes). Ranking
    # costs 10-20 us a chunk on 2 cores. 250 took hybrid p95 at 100k chunks from 33 to 26 ms
    # against 500, with the sample suite's recall@5 and MRR@5 unchanged (docs/search.md).
    text_budget: int = 250
    # When the principal may read fewer than exact_docs documents of the collection (within
    # `sources`) holding at most exact_chunks chunks, and those are at most exact_fraction of
    # the collection's chunks, both sides search only their chunks and the vector side is
    # exact (see few_documents).
    exact_docs: int = 500
    exact_chunks: int = 3000
    exact_fraction: float = 0.05


def search_options(settings: Settings, **overrides: Any) -> SearchOptions:
    """The configured search tunables, with per-call ``overrides`` (k, mode, collection...)."""
    base: dict[str, Any] = {
        "collection": settings.collection,
        "k": settings.search_k,
        "candidates": settings.search_candidates,
        "ef_search": settings.hnsw_ef_search,
        "rrf_k": settings.rrf_k,
        "fusion": settings.search_fusion,
        "vector_weight": settings.search_vector_weight,
        "rerank_depth": settings.search_rerank_depth,
        "sentence_weight": settings.search_sentence_weight,
        "text_budget": settings.search_text_budget,
        "exact_docs": settings.search_exact_docs,
        "exact_chunks": settings.search_exact_chunks,
        "exact_fraction": settings.search_exact_fraction,
    }
    return SearchOptions(**(base | overrides))


def check_query(query: str, options: SearchOptions) -> str:
    """The query stripped of surrounding whitespace; InputError when it or the options are bad."""
    text = query.strip()
    if not text:
        raise InputError("The search query is empty", hint="pass some words to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(
            f"The search query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}",
            hint="shorten the query",
        )
    if options.mode not in MODES:
        raise InputError(
            f"Unknown search mode {options.mode!r}", hint=f"use one of {', '.join(MODES)}"
        )
    if options.fusion not in FUSIONS:
        raise InputError(
            f"Unknown fusion {options.fusion!r}", hint=f"use one of {', '.join(FUSIONS)}"
        )
    if not 0 <= options.vector_weight <= 1:
        raise InputError(f"vector_weight must be between 0 and 1, got {options.vector_weight}")
    if not 0 <= options.sentence_weight <= 10:
        raise InputError(f"sentence_weight must be between 0 and 10, got {options.sentence_weight}")
    if not 0 <= options.rerank_depth <= 200:
        raise InputError(f"rerank_depth must be between 0 and 200, got {options.rerank_depth}")
    if not 1 <= options.k <= 100:
        raise InputError(f"k must be between 1 and 100, got {options.k}")
    if options.text_budget < 0 or options.exact_docs < 0 or options.exact_chunks < 0:
        raise InputError("text_budget, exact_docs and exact_chunks must not be negative")
    if not 0 <= options.exact_fraction <= 1:
        raise InputError(f"exact_fraction must be between 0 and 1, got {options.exact_fraction}")
    return text
