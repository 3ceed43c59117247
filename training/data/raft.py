"""RAFT-style training items: a curated question with its oracle passage among distractors.

Zhang et al. (2024, "RAFT") train on the question, the passage that answers it (the oracle)
shuffled among retrieved passages that do not (distractors), and a target answer that cites and
quotes the oracle; a share of items keeps only distractors, so the adapter also learns to say
the documents do not cover a question. The sources are laid out by
``generation.grounded_prompt.grounded_messages`` with the "both" route's system prompt: exactly
the prompt the agent's "both" route gives the adapter at answer time.

Passages are retrieved as a principal of the pair's groups, and a passage is kept only when every
group that may use the item may read it (public documents, or documents open to all the pair's
groups), so an item never shows a reader text they could not search for themselves.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics import token_f1
from generation.grounded_prompt import grounded_messages
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.feedback import cited_chunks
from indexes.search import search
from indexes.search.options import SearchOptions
from indexes.search.results import SearchResult
from ragtune.errors import InputError
from ragtune.principal import EVERYONE, Principal
from training.data.pii import mask_pii
from training.data.reader import read_qa_file
from training.data.records import QAPair

RAFT_ROUTE = "both"
NOT_COVERED = "I don't know. The sources do not cover this."
# Extra candidates fetched beyond K: passages from the oracle's own document are not distractors.
_SPARE = 20
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Numbered:
    """A passage with the number the target answer cites it by."""

    n: int
    result: SearchResult


@dataclass
class RaftBuild:
    """The items written and the pairs left out, with the reason."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (pair id, reason)

    @property
    def with_oracle(self) -> int:
        return sum(1 for r in self.records if r["raft"]["oracle"] is not None)


def _source_matches(pair_source: str | None, doc_source: str) -> bool:
    """A pair's ``source`` names a document by path; ingest roots may differ by a prefix."""
    if not pair_source:
        return False
    a, b = pair_source.strip("/"), doc_source.strip("/")
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def cite(answer: str, n: int) -> str:
    """Every sentence of ``answer`` ending with ``[n]`` before its closing punctuation."""
    out = []
    for sentence in _SENTENCE.split(answer.strip()):
        s = sentence.rstrip()
        if not s:
            continue
        end = s[-1] if s[-1] in ".!?" else "."
        body = s[:-1] if s[-1] in ".!?" else s
        out.append(f"{body} [{n}]{end}")
    return " ".join(out)


def best_quote(answer: str, passage: str) -> str:
    """The passage sentence that shares the most words with the answer (token F1)."""
    sentences = [s.strip() for s in _SENTENCE.split(passage.replace("\n", " ")) if s.strip()]
    if not sentences:
        return passage.strip()
    return max(sentences, key=lambda s: token_f1(s, answer))


def target_answer(answer: str, quote: str, n: int) -> str:
    """The curated answer with its citation, then the oracle quoted (RAFT's quoted evidence)."""
    quote = quote.strip().rstrip(".").replace('"', "'")
    return f'{cite(answer, n)} The source says: "{quote}" [{n}].'


def _readable_by_all(db: Database, pair: QAPair, results: list[SearchResult]) -> list[SearchResult]:
    """The results every group that may use ``pair`` may read."""
    groups = cited_chunks(db, [r.chunk_id for r in results])
    need = set(pair.groups)
    keep = []
    for r in results:
        allowed = set(groups.get(r.chunk_id, {}).get("groups") or [])
        if EVERYONE in allowed or (need and need <= allowed):
            keep.append(r)
    return keep


def _oracle(pair: QAPair, results: list[SearchResult]) -> tuple[SearchResult | None, str]:
    for r in results:
        if _source_matches(pair.source, r.source):
            return r, "source"
    if pair.source:
        return None, ""
    best = max(results, key=lambda r: token_f1(r.text, pair.answer), default=None)
    return best, "answer overlap"


def raft_item(
    pair: QAPair,
    results: list[SearchResult],
    *,
    distractors: int,
    with_oracle: bool,
    rng: random.Random,
) -> tuple[dict[str, Any] | None, str]:
    """One RAFT record for ``pair`` from its ranked candidates, or None and why not."""
    oracle, how = _oracle(pair, results)
    if oracle is None:
        return None, f"its source {pair.source!r} is not among the retrieved passages"
    others = [r for r in results if r.document_id != oracle.document_id][:distractors]
    if with_oracle:
        passages = [*others, oracle]
        rng.shuffle(passages)
    else:
        if not others:
            return None, "no distractor passage was found"
        passages = others
    # Documents hold contact addresses and phone numbers; masked here, the item teaches citing
    # and quoting without putting them into adapter weights (and passes ``data check``).
    masked = 0
    shown: list[SearchResult] = []
    for r in passages:
        text, n_found = mask_pii(r.text)
        masked += n_found
        shown.append(dataclasses.replace(r, text=text) if n_found else r)
    numbered = [Numbered(n, r) for n, r in enumerate(shown, start=1)]
    oracle_n = next((n for n, r in enumerate(passages, start=1) if r is oracle), None)
    system, user = grounded_messages(pair.question, numbered, route=RAFT_ROUTE)
    if oracle_n is not None:
        quoted = shown[oracle_n - 1].text
        target = target_answer(pair.answer, best_quote(pair.answer, quoted), oracle_n)
    else:
        target = NOT_COVERED
    return {
        "id": pair.id,
        "messages": [
            {"role": "system", "content": system.content},
            {"role": "user", "content": user.content},
            {"role": "assistant", "content": target},
        ],
        "domain": pair.domain,
        "source": pair.source,
        "groups": list(pair.groups),
        "raft": {
            "route": RAFT_ROUTE,
            "oracle": oracle_n,
            "oracle_found_by": how,
            "oracle_chunk": oracle.chunk_id,
            "distractor_chunks": [r.chunk_id for r in passages if r is not oracle],
            "pii_masked": masked,
        },
    }, ""


def build_raft(
    db: Database,
    embedder: Embedder,
    qa_file: Path,
    *,
    collection: str,
    distractors: int = 3,
    p_oracle: float = 0.8,
    seed: int = 42,
) -> RaftBuild:
    """RAFT records for every pair of ``qa_file`` (which must read without errors: an
    unaccepted feedback record, for one, is refused here as in ``ragtune data check``)."""
    if distractors < 1:
        raise InputError("--distractors must be at least 1")
    if not 0 <= p_oracle <= 1:
        raise InputError("--p-oracle must be between 0 and 1")
    read = read_qa_file(qa_file)
    if read.issues:
        first = read.issues[0]
        raise InputError(
            f"{qa_file}:{first.line}: {first.message} ({len(read.issues)} records with errors)",
            hint=f"run ragtune data check {qa_file} and fix what it lists",
        )
    carried = _feedback_ids(qa_file)
    rng = random.Random(seed)
    options = SearchOptions(collection=collection, k=distractors + 1 + _SPARE)
    build = RaftBuild()
    for pair in read.pairs:
        principal = Principal("raft", frozenset(pair.groups))
        found = search(db, embedder, pair.question, principal, options).results
        results = _readable_by_all(db, pair, found)
        record, why = raft_item(
            pair,
            results,
            distractors=distractors,
            with_oracle=rng.random() < p_oracle,
            rng=rng,
        )
        if record is None:
            build.skipped.append((pair.id, why))
        else:
            if carried.get(pair.id):
                record["feedback_ids"] = carried[pair.id]  # lineage: promote records them
            build.records.append(record)
    return build


def _feedback_ids(qa_file: Path) -> dict[str, list[str]]:
    """The ``feedback_ids`` of each JSONL record by id (records exported from feedback)."""
    out: dict[str, list[str]] = {}
    try:
        lines = qa_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return out
    for line in lines:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(raw, dict) and raw.get("id") is not None and raw.get("feedback_ids"):
            out[str(raw["id"])] = [str(f) for f in raw["feedback_ids"]]
    return out
