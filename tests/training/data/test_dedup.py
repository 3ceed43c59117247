"""Resolving question matches into duplicates (dropped) and conflicts (reported together)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from indexes.embeddings import Embedder
from training.data.dedup import Conflict, Duplicate, find_duplicates, question_matches


def _embed_by_meaning(
    meanings: dict[str, int],
) -> tuple[list[str], Callable[[Sequence[str]], np.ndarray]]:
    """An answer embedding where answers with the same meaning id are identical vectors."""
    calls: list[str] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        calls.extend(texts)
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, meanings[text]] = 1.0
        return out

    return calls, embed


def test_later_copies_are_dropped_and_disagreements_grouped() -> None:
    questions = ["What is hypercare?"] * 3 + ["What is Safety Hold?"] * 2 + ["What is a TAM?"]
    answers = [
        "The first 10 business days after go-live.",
        "The first 10 business days after go-live!",  # exact copy once normalised
        "The first 10 business days after go live, handled by deployment.",  # same meaning
        "A Tessel state only Quillmark can release.",
        "A Tessel state anyone can release.",  # contradicts the line before
        "A Technical Account Manager.",
    ]
    meanings = {a: 0 for a in answers[:3]} | {answers[3]: 1, answers[4]: 2, answers[5]: 3}
    calls, embed = _embed_by_meaning(meanings)
    matches = {
        1: [(0, "exact", 1.0)],
        2: [(0, "exact", 1.0), (1, "exact", 1.0)],
        4: [(3, "exact", 1.0)],
    }
    dupes, conflicts = find_duplicates(
        questions,
        answers,
        matches,
        embed,
        answer_threshold=0.85,
    )
    assert dupes == [
        Duplicate(index=1, of=0, exact=True, method="exact", similarity=1.0),
        Duplicate(index=2, of=0, exact=False, method="exact", similarity=1.0),
    ]
    assert conflicts == [Conflict(members=[3, 4], similarity=1.0)]
    assert answers[5] not in calls  # only answers of matched pairs are embedded


def test_conflicts_chain_into_one_group() -> None:
    questions = ["a?", "b?", "c?"]
    answers = ["one", "two", "three"]
    _, embed = _embed_by_meaning({"one": 0, "two": 1, "three": 2})
    matches = {1: [(0, "embedding", 0.95)], 2: [(1, "embedding", 0.92)]}
    dupes, conflicts = find_duplicates(
        questions,
        answers,
        matches,
        embed,
        answer_threshold=0.85,
    )
    assert dupes == [] and conflicts == [Conflict(members=[0, 1, 2], similarity=0.92)]


def test_question_matches_prefer_exact_and_respect_the_guards(embedder: Embedder) -> None:
    questions = [
        "What is a dark robot?",
        "What is a dark robot",
        "What does the term dark robot mean?",
        "What does E-214 mean?",
        "What does E-219 mean?",
    ]
    vectors = embedder.embed(questions)
    matches = question_matches(questions, vectors, threshold=0.9)
    assert [(j, m) for j, m, _ in matches[1]] == [(0, "exact")]
    assert matches[2][0][:2] == (0, "embedding")
    assert 4 not in matches  # E-214 vs E-219: different codes, never the same question
