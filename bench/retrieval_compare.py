"""Retrieval quality on 40 handbook questions: ragtune hybrid, vector and text search against a
LlamaIndex default in-memory VectorStoreIndex over the same files and the same embedding model.

Scores: recall@5 and MRR@5 of the gold file, and of the gold file and section (defined in
SECTION_RULE below and written into the JSON); mean and p95 latency per question, query
embedding included.

    python -m bench.retrieval_compare [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import PrivateAttr

from bench.fresh_database import fresh_database, server_facts
from bench.handbook import HANDBOOK, QUESTIONS, handbook_or_none
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, percentile, publish
from indexes.chunking import SECTION_SEPARATOR, chunk_document
from indexes.database import Database
from indexes.embeddings import Embedder, load_embedder
from indexes.ingest import IngestOptions, ingest
from indexes.loaders.dispatch import load_file
from indexes.search import search
from indexes.search.options import MODES, SearchOptions
from ragtune.principal import Principal

NAME = "retrieval_compare"
COLLECTION = "handbook"
K = 5
QUICK_QUESTIONS = 8
SHINGLE = 5
# all-MiniLM-L6-v2 embeds at most 256 tokens; longer texts are truncated, not rejected.
MODEL_WINDOW = 256

SECTION_RULE = {
    "label_match": (
        "a ragtune chunk's section path S matches the gold section path G when S == G, or S is "
        "below G (S starts with G + ' > '), or G is S without its leading ancestors (S ends "
        "with ' > ' + G); G == '' means the page's own text before its first sub-heading, i.e. "
        "S has no ' > ' (S is '' or just the page title)"
    ),
    "gold_text": (
        "the gold section's text is the text of the ragtune chunks (chunker run on the gold "
        "file, same settings as ingest) whose section path label-matches G"
    ),
    "hit": (
        "a retrieved passage (ragtune chunk or LlamaIndex node) hits file+section when it comes "
        f"from the gold file and its word {SHINGLE}-gram set P overlaps the gold text's set G "
        "by |P & G| >= 0.5 * min(|P|, |G|) (lower-cased alphanumeric words; word sets instead "
        f"of {SHINGLE}-grams when either side has fewer than {SHINGLE} words). The same rule "
        "scores every system, so LlamaIndex nodes (no section metadata) are judged like "
        "ragtune chunks; a large node that contains the whole gold section counts as a hit"
    ),
}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    source: str
    section: str


@dataclass(frozen=True)
class Hit:
    """One retrieved passage, reduced to what the scores need."""

    source: str  # path relative to the handbook root
    section: str | None  # None for LlamaIndex nodes, which carry no heading path
    text: str


def load_questions(limit: int | None = None) -> list[Question]:
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    return [Question(r["id"], r["question"], r["source"], r["section"]) for r in rows][:limit]


def section_label_matches(section: str, gold: str) -> bool:
    """The label rule of SECTION_RULE."""
    if gold == "":
        return SECTION_SEPARATOR not in section
    return (
        section == gold
        or section.startswith(gold + SECTION_SEPARATOR)
        or section.endswith(SECTION_SEPARATOR + gold)
    )


_WORD = re.compile(r"[a-z0-9]+")


def _shingles(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def text_overlaps(passage: str, gold_text: str) -> bool:
    """The text rule of SECTION_RULE."""
    p_words, g_words = _WORD.findall(passage.lower()), _WORD.findall(gold_text.lower())
    n = SHINGLE if min(len(p_words), len(g_words)) >= SHINGLE else 1
    p, g = _shingles(p_words, n), _shingles(g_words, n)
    if not p or not g:
        return False
    return len(p & g) >= 0.5 * min(len(p), len(g))


def gold_texts(root: Path, questions: list[Question], embedder: Embedder) -> dict[str, str]:
    """Question id -> the text of its gold section (see SECTION_RULE)."""
    options = IngestOptions()
    out = {}
    for q in questions:
        doc = load_file(root / q.source, max_bytes=options.max_bytes)
        chunks = chunk_document(
            doc,
            chunk_tokens=options.chunk_tokens,
            overlap_tokens=options.overlap_tokens,
            count_tokens=embedder.count_tokens,
        )
        parts = [c.text for c in chunks if section_label_matches(c.section, q.section)]
        if not parts:
            raise RuntimeError(f"{q.id}: no chunk of {q.source} matches section {q.section!r}")
        out[q.id] = "\n\n".join(parts)
    return out


def score(
    questions: list[Question],
    hits: dict[str, list[Hit]],
    gold: dict[str, str],
    latencies_ms: list[float],
) -> dict[str, Any]:
    """Recall@K and MRR@K for file and file+section, latency, and per-question ranks."""
    file_rr, section_rr, label_rr = [], [], []
    per_question = {}
    for q in questions:
        got = hits[q.id][:K]
        file_rank = next((i + 1 for i, h in enumerate(got) if h.source == q.source), None)
        sec_rank = next(
            (
                i + 1
                for i, h in enumerate(got)
                if h.source == q.source and text_overlaps(h.text, gold[q.id])
            ),
            None,
        )
        label_rank = next(
            (
                i + 1
                for i, h in enumerate(got)
                if h.source == q.source
                and h.section is not None
                and section_label_matches(h.section, q.section)
            ),
            None,
        )
        file_rr.append(1 / file_rank if file_rank else 0.0)
        section_rr.append(1 / sec_rank if sec_rank else 0.0)
        label_rr.append(1 / label_rank if label_rank else 0.0)
        per_question[q.id] = {
            "file_rank": file_rank,
            "section_rank": sec_rank,
            "top_sources": [h.source for h in got],
        }
    has_labels = all(h.section is not None for q in questions for h in hits[q.id])
    out = {
        "questions": len(questions),
        f"file_recall_at_{K}": float(np.mean([r > 0 for r in file_rr])),
        f"file_mrr_at_{K}": float(np.mean(file_rr)),
        f"section_recall_at_{K}": float(np.mean([r > 0 for r in section_rr])),
        f"section_mrr_at_{K}": float(np.mean(section_rr)),
        "latency_mean_ms": float(np.mean(latencies_ms)),
        "latency_p95_ms": percentile(latencies_ms, 95),
        "per_question": per_question,
    }
    if has_labels:
        out[f"section_label_recall_at_{K}"] = float(np.mean([r > 0 for r in label_rr]))
        out[f"section_label_mrr_at_{K}"] = float(np.mean(label_rr))
    return out


def _ragtune_hits(
    db: Database, embedder: Embedder, root: Path, questions: list[Question], mode: str
) -> tuple[dict[str, list[Hit]], list[float]]:
    with db.administering() as conn:
        paths = dict(conn.execute("SELECT id::text, path FROM documents").fetchall())
    principal = Principal("bench")
    options = SearchOptions(collection=COLLECTION, k=K, mode=mode)  # type: ignore[arg-type]
    search(db, embedder, "warm up", principal, options)
    hits, latencies = {}, []
    for q in questions:
        started = time.perf_counter()
        response = search(db, embedder, q.question, principal, options)
        latencies.append((time.perf_counter() - started) * 1000)
        hits[q.id] = [
            Hit(Path(paths[r.document_id]).relative_to(root).as_posix(), r.section, r.text)
            for r in response.results
        ]
    return hits, latencies


def llama_embedding(embedder: Embedder) -> Any:
    """Our embedder behind LlamaIndex's BaseEmbedding interface (same model, same vectors)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding

    class RagtuneEmbedding(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed(texts).tolist()

    return RagtuneEmbedding(embedder)


def _llama_index(files: list[Path], embedder: Embedder) -> tuple[Any, dict[str, Any]]:
    """LlamaIndex defaults: SimpleDirectoryReader, default node parser, in-memory store."""
    from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.schema import MetadataMode

    started = time.perf_counter()
    documents = SimpleDirectoryReader(input_files=[str(f) for f in files]).load_data()
    index = VectorStoreIndex.from_documents(
        documents, embed_model=llama_embedding(embedder), show_progress=sys.stderr.isatty()
    )
    build_s = time.perf_counter() - started
    nodes = list(index.docstore.docs.values())
    tokens = [embedder.count_tokens(n.get_content(metadata_mode=MetadataMode.EMBED)) for n in nodes]
    window = MODEL_WINDOW
    parser = Settings.node_parser
    facts = {
        "documents": len(documents),
        "nodes": len(nodes),
        "node_parser": f"{type(parser).__name__}(chunk_size={getattr(parser, 'chunk_size', None)},"
        f" chunk_overlap={getattr(parser, 'chunk_overlap', None)})",
        "node_tokens_mean": float(np.mean(tokens)),
        "model_window_tokens": window,
        "nodes_truncated_fraction": float(np.mean([t > window - 2 for t in tokens])),
        "build_seconds": build_s,
    }
    return index, facts


def _llama_hits(
    index: Any, root: Path, questions: list[Question]
) -> tuple[dict[str, list[Hit]], list[float]]:
    retriever = index.as_retriever(similarity_top_k=K)
    retriever.retrieve("warm up")
    hits, latencies = {}, []
    for q in questions:
        started = time.perf_counter()
        nodes = retriever.retrieve(q.question)
        latencies.append((time.perf_counter() - started) * 1000)
        hits[q.id] = [
            Hit(
                Path(n.node.metadata["file_path"]).resolve().relative_to(root).as_posix(),
                None,
                n.node.get_content(),
            )
            for n in nodes
        ]
    return hits, latencies


def measure(db: Database, embedder: Embedder, root: Path, *, quick: bool) -> dict[str, Any]:
    """Ingest (idempotent: instant when the ingest benchmark already did it), then compare."""
    questions = load_questions(QUICK_QUESTIONS if quick else None)
    paths = sorted({root / q.source for q in questions}) if quick else [root]
    report = ingest(
        db, embedder, paths, IngestOptions(collection=COLLECTION, progress=sys.stderr.isatty())
    )
    print(f"ragtune ingest: {report.summary()}", file=sys.stderr)
    gold = gold_texts(root, questions, embedder)
    with db.administering() as conn:
        files = sorted(Path(p) for (p,) in conn.execute("SELECT path FROM documents"))
        n_chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()
    systems: dict[str, Any] = {}
    for mode in MODES:
        hits, latencies = _ragtune_hits(db, embedder, root, questions, mode)
        systems[f"ragtune {mode}"] = score(questions, hits, gold, latencies)
    index, llama_facts = _llama_index(files, embedder)
    hits, latencies = _llama_hits(index, root, questions)
    systems["llamaindex default"] = score(questions, hits, gold, latencies)
    return {
        "files": len(files),
        "ragtune": {
            "chunks": n_chunks[0] if n_chunks else None,
            "chunking": "markdown headings, then <= 256 model tokens with 32 overlap; embedded "
            "as 'title > section' + text",
            "search_options": {"k": K, "candidates": 40, "ef_search": 40, "rrf_k": 60},
            "ingest_this_run": {
                "added": report.added,
                "unchanged": report.unchanged,
                "seconds": report.seconds,
            },
        },
        "llamaindex": llama_facts,
        "systems": systems,
    }


def run(*, quick: bool = False) -> dict[str, Any] | None:
    """Compare on a fresh database; return the result (None when the corpus is missing)."""
    from ragtune.resources import quiet_libraries

    root = handbook_or_none()
    if root is None:
        return None
    quiet_libraries()
    load_average = os.getloadavg()
    embedder = load_embedder("all-MiniLM-L6-v2")
    with fresh_database(pool_max=4) as (db, _):
        facts = server_facts(db)
        measured = measure(db, embedder, root, quick=quick)
    return envelope(measured, facts, quick=quick, load_average=load_average)


def envelope(
    measured: dict[str, Any],
    facts: dict[str, Any],
    *,
    quick: bool,
    load_average: tuple[float, float, float],
) -> dict[str, Any]:
    """The result file: what was measured, plus where, when and how it is scored."""
    return {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": load_average,
        "quick": quick,
        "corpus": str(HANDBOOK),
        "questions_file": str(QUESTIONS.relative_to(QUESTIONS.parents[2])),
        "embed_model": "all-MiniLM-L6-v2",
        "k": K,
        "section_rule": SECTION_RULE,
        "latency": "wall time per question: ragtune search() and LlamaIndex retriever.retrieve(), "
        "query embedding included, after one warm-up query",
        "server": facts,
        **measured,
    }


def table(result: dict[str, Any]) -> str:
    """One row per system."""
    rows = [
        [
            name,
            s[f"file_recall_at_{K}"],
            s[f"file_mrr_at_{K}"],
            s[f"section_recall_at_{K}"],
            s[f"section_mrr_at_{K}"],
            s["latency_mean_ms"],
            s["latency_p95_ms"],
        ]
        for name, s in result["systems"].items()
    ]
    return markdown_table(
        [
            "system",
            f"file R@{K}",
            f"file MRR@{K}",
            f"file+section R@{K}",
            f"file+section MRR@{K}",
            "mean ms",
            "p95 ms",
        ],
        rows,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_QUESTIONS} questions over their gold files only",
    )
    args = parser.parse_args(argv)
    result = run(quick=args.quick)
    return publish(NAME, result, table, quick=args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
