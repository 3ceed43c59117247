"""Substituted phrases: a noun phrase of the claim standing where the evidence has one of
another meaning ("a hard hat" where the evidence lists "a high-visibility vest")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np

from evals.judges.facts import Facts, Term

# A claim phrase in the place of an evidence phrase whose words are all less similar than
# this says something else ("hard hat" for "safety footwear"); see ``substitutions``.
SUBSTITUTE_BELOW = 0.45
_TRAIL = 3
# Not "to": after it comes a verb as often as a noun ("to enroll", "to sign up"), and verbs
# are reworded freely.
_PHRASE_OPENERS = frozenset(
    "a an the at of with by for from in on into their its his her our your this that these "
    "those".split()
)


WordVectors = Mapping[str, np.ndarray]


def _anchors(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Longest common subsequence of two stem lists, as index pairs."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
            )
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _phrase(facts: Facts, terms: Sequence[Term]) -> list[str]:
    """The content words of ``terms`` if they open a noun phrase ("a hard hat", "at full")."""
    words = [
        facts.words[facts.content.index(t.stem)]
        for t in terms
        if t.quantity is None and t.date is None and not t.entity and t.stem in facts.content
    ]
    if not words or terms[0].position == 0:
        return []
    return words if facts.tokens[terms[0].position - 1] in _PHRASE_OPENERS else []


def substitutions(claim: Facts, evidence: Facts, vectors: WordVectors) -> list[tuple[str, str]]:
    """Noun phrases of the claim standing where the evidence has a phrase of other meaning.

    Claim and evidence are aligned on their shared words; a phrase of the claim between two
    aligned words (or after the last) is compared with the evidence's phrase in the same place:
    "wear a hard hat on the warehouse floor" against "wear a high-visibility vest and safety
    footwear on the warehouse floor", "at full speed" against "at reduced speed". Only phrases
    opened by an article, a determiner or a preposition other than "to" count: verbs are
    reworded freely by paraphrases, and after "to" a verb comes as often as a noun.
    """
    a, b = claim.terms, evidence.terms
    anchors = _anchors([t.stem for t in a], [t.stem for t in b])
    if not anchors:
        return []
    found: list[tuple[str, str]] = []
    bounds = [*anchors, (len(a), min(len(b), anchors[-1][1] + 1 + _TRAIL))]
    for (i0, j0), (i1, j1) in pairwise(bounds):
        mine = _phrase(claim, a[i0 + 1 : i1])
        theirs = _phrase(evidence, b[j0 + 1 : j1])
        if not mine or not theirs:
            continue
        matrix = np.stack([vectors[w] for w in theirs])
        best = max(float(np.max(matrix @ vectors[w])) for w in mine)
        if best < SUBSTITUTE_BELOW:
            found.append((" ".join(mine), " ".join(theirs)))
    return found
