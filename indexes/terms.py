"""Does any chunk a principal may read mention a term? (A GIN-indexed full-text probe.)

The agent asks this for identifiers in a question (a model number, an error code, a year)
that the retrieved passages lack: one the documents never mention is a question about
something the company's knowledge does not contain.
"""

from __future__ import annotations

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
