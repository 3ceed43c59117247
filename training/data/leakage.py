"""Leakage: training questions that (near-)duplicate a question of an evaluation suite.

A pair whose question an eval suite also asks would let the adapter pass that suite by
memory; such pairs are reported and kept out of training. A suite is JSONL with a
``question`` field on every line (other fields are ignored here).

``read_suite`` is deliberately more lenient than evals.suites.load_suite: a leakage check
takes any question list (no ``id``, ``expected_route`` or ``answerable`` needed, unknown
fields allowed, as tests/data/qa_bad/eval_suite.jsonl has), and names each question by its
file and line, which a validated Suite does not keep.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexes.embeddings import Embedder
from ragtune.errors import InputError
from training.data.reader import decode_utf8
from training.data.similarity import (
    Method,
    MinHasher,
    embed_all,
    normalise,
    same_question,
    similar_pairs,
)


@dataclass(frozen=True)
class SuiteQuestion:
    """One question of an eval suite and where it is."""

    suite: str
    line: int
    question: str


@dataclass(frozen=True)
class Leak:
    """Training question ``index`` matches ``suite_question`` (method and similarity)."""

    index: int
    suite_question: SuiteQuestion
    method: Method
    similarity: float


def read_suite(path: Path) -> list[SuiteQuestion]:
    """The questions of one eval suite; InputError names the line of a bad record."""
    text = decode_utf8(path)
    out: list[SuiteQuestion] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {n}: malformed JSON: {exc.msg}") from None
        question = obj.get("question") if isinstance(obj, dict) else None
        if not isinstance(question, str) or not question.strip():
            raise InputError(
                f"{path}: line {n}: an eval suite record needs a non-empty 'question' string"
            )
        out.append(SuiteQuestion(str(path), n, question.strip()))
    if not out:
        raise InputError(f"eval suite {path} has no questions")
    return out


def find_leaks(
    questions: Sequence[str],
    question_vectors: np.ndarray,
    suite: Sequence[SuiteQuestion],
    embedder: Embedder,
    *,
    threshold: float,
    minhash: MinHasher | None = None,
    minhash_threshold: float = 0.8,
) -> list[Leak]:
    """The best suite match of every training question that leaks, in training order."""
    best: dict[int, Leak] = {}

    def offer(leak: Leak) -> None:
        current = best.get(leak.index)
        # An exact match stays the reported one (a self-similarity can round above 1.0).
        if current is None or (current.method != "exact" and leak.similarity > current.similarity):
            best[leak.index] = leak

    exact = {normalise(q.question): q for q in suite}
    for i, question in enumerate(questions):
        hit = exact.get(normalise(question))
        if hit is not None:
            offer(Leak(i, hit, "exact", 1.0))
    suite_vectors = embed_all(embedder, [q.question for q in suite])
    for i, j, sim in similar_pairs(question_vectors, suite_vectors, threshold):
        if same_question(questions[i], suite[j].question):
            offer(Leak(i, suite[j], "embedding", sim))
    if minhash is not None:
        combined = [*questions, *(q.question for q in suite)]
        n = len(questions)
        for i, j, est in minhash.similar_pairs(combined, minhash_threshold):
            # Pairs are (later, earlier): a leak is a suite question (>= n) with a training one.
            if i >= n > j and same_question(questions[j], suite[i - n].question):
                offer(Leak(j, suite[i - n], "minhash", est))
    return [best[i] for i in sorted(best)]
