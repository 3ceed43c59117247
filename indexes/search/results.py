"""What one search returns: ranked chunks in the JSON shape search, the agent and the API share."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SearchResult:
    """One retrieved chunk, in the JSON shape that search, the agent and the API share."""

    rank: int
    score: float
    chunk_id: str
    document_id: str
    source: str
    title: str
    section: str
    page: int | None
    start_char: int
    end_char: int
    text: str
    # The header of the Markdown table ``text`` starts inside, below it (indexes/tables.py);
    # "" otherwise. ``text`` is the exact span start_char..end_char without it.
    table_header: str = ""


@dataclass
class SearchResponse:
    """The query and its ranked results."""

    query: str
    results: list[SearchResult]
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Cosine of the query vector and each result's stored vector, by chunk id (vector and
    # hybrid modes; empty in text mode). Not part of the public JSON.
    similarity: dict[str, float] = field(default_factory=dict)
    # Best sentence cosine of each re-ranked result (indexes/sentence_vectors.py), by chunk id.
    sentence_similarity: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The public ``--json`` shape (timings are not part of it)."""
        return {"query": self.query, "results": [asdict(r) for r in self.results]}
