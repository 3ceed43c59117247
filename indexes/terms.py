"""Does any chunk a principal may read mention a term? (A GIN-indexed full-text probe.)

The agent asks this for identifiers in a question (a model number, an error code, a year)
that the retrieved passages lack: one the documents never mention is a question about
something the company's knowledge does not contain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexes.collections import get_collection
from indexes.database import Database
from ragtune.principal import Principal

_MENTIONS = """
SELECT EXISTS (
    SELECT 1 FROM chunks c
    WHERE c.collection_id = %s AND c.tsv @@ phraseto_tsquery('english', %s)
)"""


def mentioned(db: Database, principal: Principal, collection: str, term: str) -> bool:
    """Whether a chunk of ``collection`` that ``principal`` may read contains ``term`` (as a
    phrase, after English text search normalisation)."""
    with db.reading(principal) as conn:
        found = get_collection(conn, collection)
        row = conn.execute(_MENTIONS, (found.id, term)).fetchone()
    return bool(row and row[0])


# The mentions come from the GIN index and the total from the documents table: counting
# distinct documents over every chunk of the collection is a scan that grows with the corpus,
# paid on every answer. Both reads go through the same row-level security predicate.
_DOCUMENT_SHARE = """
SELECT (SELECT count(DISTINCT c.document_id) FROM chunks c
        WHERE c.collection_id = %(cid)s AND c.tsv @@ phraseto_tsquery('english', %(term)s)),
       (SELECT count(*) FROM documents d WHERE d.collection_id = %(cid)s AND d.n_chunks > 0)"""


def document_share(db: Database, principal: Principal, collection: str, term: str) -> float:
    """The share of the documents ``principal`` may read in ``collection`` that mention
    ``term``: near 1 for the name the whole corpus is about (its company, its agency)."""
    with db.reading(principal) as conn:
        found = get_collection(conn, collection)
        row = conn.execute(_DOCUMENT_SHARE, {"cid": found.id, "term": term}).fetchone()
    return float(row[0]) / float(row[1]) if row and row[1] else 0.0


# A word as a reader writes it, in any script ("vacaciones", "días"), with inner apostrophes
# or hyphens; digits alone are figures, not words.
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’-][^\W_]+)*")
# Probed at most: a question's words, not a pasted page.
MAX_PROBED_WORDS = 16

# Each word in order: whether it is looked up (a word English text search drops, a function
# word, has an empty query and is not), and whether no readable chunk uses it.
_WORD_USE = """
SELECT w, numnode(plainto_tsquery('english', w)) > 0 AS probed,
       numnode(plainto_tsquery('english', w)) > 0
       AND NOT EXISTS (SELECT 1 FROM chunks c
                       WHERE c.collection_id = %(cid)s AND c.tsv @@ plainto_tsquery('english', w))
       AS unused
FROM unnest(%(words)s::text[]) WITH ORDINALITY AS t(w, i)
ORDER BY i"""


def question_words(text: str) -> list[str]:
    """The distinct words of ``text`` worth probing, as written, in order (at most
    MAX_PROBED_WORDS; two-letter words left out)."""
    words = dict.fromkeys(w for w in _WORD.findall(text) if len(w) >= 3)
    return list(words)[:MAX_PROBED_WORDS]


@dataclass(frozen=True)
class WordUse:
    """Which of a question's words no chunk the caller may read uses."""

    unused: tuple[str, ...] = ()
    probed: int = 0  # the words looked up
    function_words: int = 0  # words English text search drops ("what", "the", "how")

    @property
    def mostly_unused(self) -> bool:
        """More than half of the words looked up are in no document."""
        return 2 * len(self.unused) > self.probed

    @property
    def reads_as_english(self) -> bool:
        """The question holds an English function word: a question in another language
        rarely does, an English one nearly always."""
        return self.function_words > 0


def unused_words(
    db: Database, principal: Principal, collection: str, words: Sequence[str]
) -> WordUse:
    """Which of ``words`` no chunk ``principal`` may read in ``collection`` uses (after English
    text search normalisation), in one query; function words are counted, not looked up.

    For telling a user why nothing matched: a misspelt word, or a question in another
    language than the documents', leaves most of its words unused.
    """
    with db.reading(principal) as conn:
        found = get_collection(conn, collection)
        rows = conn.execute(_WORD_USE, {"cid": found.id, "words": list(words)}).fetchall()
    looked_up = sum(1 for _, probed, _ in rows if probed)
    return WordUse(tuple(w for w, _, unused in rows if unused), looked_up, len(rows) - looked_up)
