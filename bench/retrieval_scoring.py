"""Retrieval hits scored against gold citations: file and file+section recall and MRR at K.

Every system (ragtune and LlamaIndex alike) is reduced to ``Hit`` lists and scored by the one
rule in SECTION_RULE, which bench.retrieval_compare writes into its JSON. A passage hits the
section when its text overlaps the gold section's text, so systems without heading metadata
are judged like ragtune; ragtune alone also gets the label-only figures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench.results import percentile
from indexes.chunking import SECTION_SEPARATOR, chunk_document
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions
from indexes.loaders.dispatch import load_file

K = 5
SHINGLE = 5

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
    # (source relative to the corpus root, section path or None for "the file is enough")
    gold: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Hit:
    """One retrieved passage, reduced to what the scores need."""

    source: str  # path relative to the corpus root
    section: str | None  # None for LlamaIndex nodes, which carry no heading path
    text: str


@dataclass(frozen=True)
class Corpus:
    """One corpus: its collection, root, ingest folders (with groups) and questions."""

    name: str
    root: Path
    folders: tuple[tuple[str, frozenset[str] | None], ...]
    questions: tuple[Question, ...]
    # Named sets asked and scored apart; never in a fit.
    blind: tuple[tuple[str, tuple[Question, ...]], ...] = ()

    @property
    def asked(self) -> tuple[Question, ...]:
        return self.questions + tuple(q for _, found in self.blind for q in found)


def section_label_matches(section: str, gold: str) -> bool:
    """The label rule of SECTION_RULE."""
    if gold == "":
        return SECTION_SEPARATOR not in section
    return (
        section == gold
        or section.startswith(gold + SECTION_SEPARATOR)
        or section.endswith(SECTION_SEPARATOR + gold)
    )


def is_gold(gold: Sequence[tuple[str, str | None]], source: str, section: str) -> bool:
    """Whether a passage of ``source`` under ``section`` is one of the ``gold`` citations (a
    gold section of None: any section of its file), by the label rule."""
    return any(
        source == s and (sec is None or section_label_matches(section, sec)) for s, sec in gold
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


def gold_texts(corpus: Corpus, embedder: Embedder) -> dict[tuple[str, str], str]:
    """(source, section) -> the text of that gold section (see SECTION_RULE)."""
    options = IngestOptions()
    out: dict[tuple[str, str], str] = {}
    for q in corpus.asked:
        for source, section in q.gold:
            if section is None or (source, section) in out:
                continue
            doc = load_file(corpus.root / source, max_bytes=options.max_bytes)
            chunks = chunk_document(
                doc,
                chunk_tokens=options.chunk_tokens,
                overlap_tokens=options.overlap_tokens,
                count_tokens=embedder.count_tokens,
            )
            parts = [c.text for c in chunks if section_label_matches(c.section, section)]
            if not parts:
                raise RuntimeError(f"{q.id}: no chunk of {source} matches section {section!r}")
            out[(source, section)] = "\n\n".join(parts)
    return out


def _first(hits: list[Hit], match: Any) -> int | None:
    return next((i + 1 for i, h in enumerate(hits[:K]) if match(h)), None)


def _file_hit(q: Question, h: Hit) -> bool:
    return any(h.source == s for s, _ in q.gold)


def _section_hit(q: Question, gold: dict[tuple[str, str], str], h: Hit) -> bool:
    return any(
        h.source == s and (sec is None or text_overlaps(h.text, gold[(s, sec)]))
        for s, sec in q.gold
    )


def _label_hit(q: Question, h: Hit) -> bool:
    return h.section is not None and any(
        h.source == s and (sec is None or section_label_matches(h.section, sec))
        for s, sec in q.gold
    )


def score(
    questions: Sequence[Question],
    hits: dict[str, list[Hit]],
    gold: dict[tuple[str, str], str],
    latencies_ms: list[float],
) -> dict[str, Any]:
    """Recall@K and MRR@K for file and file+section (any gold citation counts), latency, and
    per-question ranks."""
    file_rr, section_rr, label_rr = [], [], []
    per_question = {}
    for q in questions:
        got = hits[q.id]
        file_rank = _first(got, partial(_file_hit, q))
        sec_rank = _first(got, partial(_section_hit, q, gold))
        label_rank = _first(got, partial(_label_hit, q))
        file_rr.append(1 / file_rank if file_rank else 0.0)
        section_rr.append(1 / sec_rank if sec_rank else 0.0)
        label_rr.append(1 / label_rank if label_rank else 0.0)
        per_question[q.id] = {
            "file_rank": file_rank,
            "section_rank": sec_rank,
            "top_sources": [h.source for h in got[:K]],
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


def scored(
    corpus: Corpus,
    hits: dict[str, list[Hit]],
    gold: dict[tuple[str, str], str],
    latencies_ms: list[float],
) -> dict[str, Any]:
    """``score`` of the corpus's questions, with each blind set's figures under "blind"."""
    out = score(corpus.questions, hits, gold, latencies_ms)
    if corpus.blind:
        out["blind"] = {
            name: {
                k: v
                for k, v in score(found, hits, gold, latencies_ms).items()
                if not k.startswith(("latency", "per_q"))
            }
            for name, found in corpus.blind
        }
    return out
