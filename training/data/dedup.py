"""Which pairs duplicate an earlier pair, and which pairs contradict each other.

Pairs are taken in file order. A pair whose question matches an earlier kept pair's question
(see ``training.data.similarity`` for "matches") is a duplicate when the answers agree, and is then
dropped in favour of the earlier one. When the questions match but no earlier answer agrees,
the pairs conflict: the curator must decide which answer is right, so the conflicting pairs are
grouped (connected through shared questions) and reported together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from training.data.similarity import (
    Method,
    MinHasher,
    answers_agree,
    normalise,
    same_question,
    similar_pairs,
)


@dataclass(frozen=True)
class Duplicate:
    """Pair ``index`` repeats pair ``of`` (``exact``: same question and answer once normalised)."""

    index: int
    of: int
    exact: bool
    method: Method
    similarity: float


@dataclass(frozen=True)
class Conflict:
    """Pairs (indexes, ascending) asking the same question with answers that disagree."""

    members: list[int]
    similarity: float  # the lowest question similarity that links the group


def question_matches(
    questions: Sequence[str],
    vectors: np.ndarray,
    *,
    threshold: float,
    minhash: MinHasher | None = None,
    minhash_threshold: float = 0.8,
) -> dict[int, list[tuple[int, Method, float]]]:
    """For each index i, the earlier indexes j whose question matches: (j, method, similarity),
    most similar first. Exact (normalised) matches take precedence over similarity ones."""
    edges: dict[tuple[int, int], tuple[Method, float]] = {}
    earlier: dict[str, list[int]] = {}
    for i, question in enumerate(questions):
        same = earlier.setdefault(normalise(question), [])
        edges.update({(i, j): ("exact", 1.0) for j in same})
        same.append(i)
    for i, j, sim in similar_pairs(vectors, vectors, threshold, same=True):
        if (i, j) not in edges and same_question(questions[i], questions[j]):
            edges[(i, j)] = ("embedding", sim)
    if minhash is not None:
        for i, j, est in minhash.similar_pairs(questions, minhash_threshold):
            if (i, j) not in edges and same_question(questions[i], questions[j]):
                edges[(i, j)] = ("minhash", est)
    out: dict[int, list[tuple[int, Method, float]]] = {}
    for (i, j), (method, sim) in edges.items():
        out.setdefault(i, []).append((j, method, sim))
    for found in out.values():
        found.sort(key=lambda e: (-e[2], e[0]))
    return out


def find_duplicates(
    questions: Sequence[str],
    answers: Sequence[str],
    matches: dict[int, list[tuple[int, Method, float]]],
    embed: Callable[[Sequence[str]], np.ndarray],
    *,
    answer_threshold: float,
) -> tuple[list[Duplicate], list[Conflict]]:
    """Resolve question matches into duplicates (drop the later pair) and conflicts.

    ``embed`` is called once, for the answers of the pairs that have a match at all.
    """
    involved = sorted(set(matches) | {j for found in matches.values() for j, _, _ in found})
    vectors = dict(zip(involved, embed([answers[i] for i in involved]), strict=True))
    duplicates: list[Duplicate] = []
    conflict_edges: list[tuple[int, int, float]] = []
    dropped: set[int] = set()
    for i in sorted(matches):
        agree: tuple[int, Method, float] | None = None
        disagree: list[tuple[int, int, float]] = []
        for j, method, sim in matches[i]:
            if j in dropped:
                continue
            a_sim = float(vectors[i] @ vectors[j])
            if answers_agree(answers[i], answers[j], a_sim, answer_threshold):
                agree = agree or (j, method, sim)
            else:
                disagree.append((i, j, sim))
        if agree is None:
            conflict_edges += disagree
            continue
        j, method, sim = agree
        exact = method == "exact" and normalise(answers[i]) == normalise(answers[j])
        duplicates.append(Duplicate(i, j, exact, method, sim))
        dropped.add(i)
    return duplicates, _group(conflict_edges)


def _group(edges: list[tuple[int, int, float]]) -> list[Conflict]:
    """Connected components of the conflict edges (union-find), in file order."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in edges:
        parent[find(i)] = find(j)
    members: dict[int, list[int]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    lowest: dict[int, float] = {}
    for i, _, sim in edges:
        root = find(i)
        lowest[root] = min(lowest.get(root, 1.0), sim)
    groups = [Conflict(sorted(m), lowest[root]) for root, m in members.items()]
    return sorted(groups, key=lambda c: c.members[0])
