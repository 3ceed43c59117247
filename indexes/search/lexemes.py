"""Which query words find full-text candidates: the rare ones, within a budget of chunks."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from indexes.collections import Collection
from indexes.search.scope import FewDocuments

_FREQUENCIES = "SELECT lexeme, frequency, collection_rows FROM ragtune_lexeme_frequencies(%s, %s)"


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


def tsquery_text(lexemes: Sequence[str]) -> str:
    """``lexemes`` OR-ed as tsquery input, each quoted so that no character is an operator."""
    quoted = ("'" + lx.replace("\\", "\\\\").replace("'", "''") + "'" for lx in lexemes)
    return " | ".join(quoted)


def text_match(
    conn: psycopg.Connection,
    collection: Collection,
    text: str,
    few: FewDocuments | None,
    budget: int,
) -> str:
    """The tsquery that finds full-text candidates (see pick_lexemes): word frequencies from
    the statistics, applied to the chunks this search can reach."""
    rows = conn.execute(_FREQUENCIES, (collection.id, text)).fetchall()
    estimates = []
    for lexeme, frequency, collection_rows in rows:
        reachable = few.chunks if few is not None else collection_rows
        estimates.append((lexeme, None if frequency is None else frequency * reachable))
    return tsquery_text(pick_lexemes(estimates, budget))
