"""Which query words find full-text candidates: the rare ones, within a budget of chunks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from indexes.collections import Collection
from indexes.search.scope import FewDocuments

_FREQUENCIES = (
    "SELECT lexeme, frequency, collection_rows, floor_frequency"
    " FROM ragtune_lexeme_frequencies(%s, %s)"
)


@dataclass(frozen=True)
class TextQuery:
    """What the full-text side runs: ``match``, the tsquery that finds its candidates (see
    pick_lexemes and narrowest_conjunction), and every query word with its inverse document
    frequency, by which BM25 ranks them (indexes/schema/0012_bm25_text_rank.sql)."""

    match: str
    lexemes: list[str]
    idfs: list[float]


def inverse_document_frequency(chunks: float, collection_rows: float) -> float:
    """BM25's weight of a word found in ``chunks`` of ``collection_rows`` chunks: near 0 for a
    word in every chunk, highest for a word in one."""
    n = min(max(chunks, 0.0), collection_rows)
    return math.log(1.0 + (collection_rows - n + 0.5) / (n + 0.5))


def pick_lexemes(estimates: Sequence[tuple[str, float | None]], budget: int) -> list[str]:
    """The query words that find full-text candidates: rarest first, while their estimated
    chunk counts add up to at most ``budget``, and always at least the rarest one.

    ``estimates`` pairs each query lexeme with the chunks it is estimated to occur in; None
    means it is not among the collection's most common lexemes, so it is rare and always
    kept. Every chunk holding all the query words still matches (it holds the rarest one);
    what is left out are chunks that share only common words with the query, which an OR
    query would otherwise make the database fetch and rank by the ten thousand.
    """
    ordered = sorted(estimates, key=lambda e: (e[1] or 0.0, e[0]))
    picked: list[str] = []
    total = 0.0
    for lexeme, rows in ordered:
        rows = rows or 0.0
        if picked and total + rows > budget:
            break
        picked.append(lexeme)
        total += rows
    return picked


def tsquery_text(lexemes: Sequence[str], operator: str = "|") -> str:
    """``lexemes`` OR-ed (or AND-ed, ``operator`` "&") as tsquery input, each quoted so that no
    character is an operator."""
    quoted = ("'" + lx.replace("\\", "\\\\").replace("'", "''") + "'" for lx in lexemes)
    return f" {operator} ".join(quoted)


def narrowest_conjunction(
    estimates: Sequence[tuple[str, float | None]], budget: int, collection_rows: float
) -> list[str]:
    """When even the rarest query word is in more than ``budget`` chunks: the rarest words
    whose chunks together (all of them in one chunk) are estimated to fit the budget, at least
    two; empty when some word is rare (then pick_lexemes stays within budget) or there are
    fewer than two words.

    The estimate takes the words as independent (rows x product of their shares). Without it
    a question made only of common words ranks every chunk holding its rarest word: tens of
    thousands at a million chunks, which is most of a hybrid search's time there.
    """
    counts = sorted((rows, lexeme) for lexeme, rows in estimates if rows is not None)
    if len(counts) < 2 or len(counts) < len(estimates) or counts[0][0] <= budget:
        return []
    picked: list[str] = []
    expected = max(collection_rows, 1.0)
    for rows, lexeme in counts:
        picked.append(lexeme)
        expected *= rows / max(collection_rows, 1.0)
        if len(picked) >= 2 and expected <= budget:
            break
    return picked


def text_match(
    conn: psycopg.Connection,
    collection: Collection,
    text: str,
    few: FewDocuments | None,
    budget: int,
) -> TextQuery:
    """The full-text side's query (TextQuery): word frequencies from the statistics decide
    which words find candidates among the chunks this search can reach, and weigh every word
    in the rank.

    A word the statistics do not list counts as in the planner's floor estimate of chunks;
    before the table was ever analyzed every word weighs the same.
    """
    rows = conn.execute(_FREQUENCIES, (collection.id, text)).fetchall()
    collection_rows = rows[0][2] if rows else None  # the same on every row
    reachable = float(few.chunks if few is not None else collection_rows or 0.0)
    estimates = [
        (lexeme, None if frequency is None else frequency * reachable)
        for lexeme, frequency, _, _ in rows
    ]
    together = narrowest_conjunction(estimates, budget, reachable)
    match = (
        tsquery_text(together, "&") if together else tsquery_text(pick_lexemes(estimates, budget))
    )
    total = float(collection_rows or 0.0)
    idfs = [
        inverse_document_frequency(
            (frequency if frequency is not None else floor or 0.0) * total, total
        )
        for _, frequency, _, floor in rows
    ]
    return TextQuery(match, [lexeme for lexeme, *_ in rows], idfs)
