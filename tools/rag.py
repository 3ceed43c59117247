"""The RAG tool: hybrid search as the caller's principal, returned as numbered sources to cite.

Hybrid scores are reciprocal ranks, which say nothing about whether the best hit is any good,
so each source also gets an absolute ``relevance``: the cosine similarity of the question and
the passage as it was embedded (title and heading path included). The agent decides "the
documents do not cover this" on that number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from indexes.database import Database
from indexes.embeddings import Embedder, embedding_text
from indexes.search import search
from indexes.search.options import SearchOptions
from indexes.search.results import SearchResult
from indexes.sentences import plain_markdown
from ragtune.principal import Principal


@dataclass(frozen=True)
class Source:
    """A retrieved passage numbered for citation: ``n`` is what the answer writes as ``[n]``."""

    n: int
    relevance: float
    result: SearchResult

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "relevance": round(self.relevance, 4), **asdict(self.result)}


@dataclass
class Retrieval:
    """The numbered sources for one question and how long the search took."""

    query: str
    sources: list[Source]
    timings_ms: dict[str, float]

    @property
    def best_relevance(self) -> float:
        return max((s.relevance for s in self.sources), default=0.0)

    def to_json(self) -> dict[str, Any]:
        """The search ``--json`` shape, with ``n`` and ``relevance`` on every result."""
        return {"query": self.query, "results": [s.to_json() for s in self.sources]}


def relevance(embedder: Embedder, question: str, results: list[SearchResult]) -> list[float]:
    """Cosine similarity of ``question`` to each result as it was embedded at ingest."""
    if not results:
        return []
    texts = [question] + [embedding_text(r.title, r.section, r.text) for r in results]
    vectors = embedder.embed(texts)
    sims = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    return [float(s) for s in sims]


def retrieve(
    db: Database,
    embedder: Embedder,
    question: str,
    principal: Principal,
    options: SearchOptions,
) -> Retrieval:
    """The top ``options.k`` passages ``principal`` may read, numbered from 1 in rank order."""
    response = search(db, embedder, question, principal, options)
    if all(r.chunk_id in response.similarity for r in response.results):
        # The search already compared the query with each result's stored vector, which is
        # the embedding of embedding_text(...) made at ingest: no need to embed them again.
        scores = [response.similarity[r.chunk_id] for r in response.results]
    else:
        scores = relevance(embedder, response.query, response.results)
    sources = [
        Source(n, score, result)
        for n, (result, score) in enumerate(zip(response.results, scores, strict=True), start=1)
    ]
    return Retrieval(response.query, sources, response.timings_ms)


# (question, passages) -> a score each, higher: the passage more likely answers.
Likelihood = Callable[[str, Sequence[str]], list[float]]


def reorder_by_likelihood(
    found: Retrieval, likelihood: Likelihood, *, weight: float, depth: int
) -> Retrieval:
    """``found`` with its first ``depth`` sources re-ordered by search score plus ``weight``
    times the question's likelihood after each (its best subtracted), numbered again from 1.

    Each source keeps its relevance (the cosine the "not covered" decision reads) and its
    search score; only the order, and so the citation numbers, change. Fewer than two
    sources, or a weight of 0, leave ``found`` as it is.
    """
    head, rest = found.sources[:depth], found.sources[depth:]
    if weight <= 0 or len(head) < 2:
        return found
    passages = [
        f"{embedding_text(s.result.title, s.result.section, '').strip()}\n"
        f"{plain_markdown(s.result.text)}"
        for s in head
    ]
    scores = likelihood(found.query, passages)
    best = max(scores)
    order = sorted(
        range(len(head)),
        key=lambda i: (-(head[i].result.score + weight * (scores[i] - best)), i),
    )
    sources = [replace(s, n=n) for n, s in enumerate([head[i] for i in order] + rest, start=1)]
    return replace(found, sources=sources)


class RagToolInput(BaseModel):
    """Arguments of the RAG tool as a model sees them."""

    query: str = Field(description="What to look up in the company documents.", min_length=1)
    k: int = Field(default=5, ge=1, le=20, description="How many passages to return.")


def make_rag_tool(
    db: Database, embedder: Embedder, principal: Principal, options: SearchOptions
) -> StructuredTool:
    """A LangChain tool bound to one caller: it can only ever return what ``principal`` reads."""

    def run(query: str, k: int = options.k) -> str:
        found = retrieve(db, embedder, query, principal, replace(options, k=k))
        return json.dumps(found.to_json(), ensure_ascii=False)

    return StructuredTool.from_function(
        func=run,
        name="search_company_documents",
        description="Search the company's documents the caller may read; returns numbered "
        "passages (source, section, page, text) to cite as [n].",
        args_schema=RagToolInput,
    )
