"""The SQL of a search: the full-text candidates, then the final vector, text or hybrid statement.

Every value is a bound parameter except the collection's own id and dimension (integers from
the database), which must be literals for the partial HNSW index to match at plan time.
"""

from __future__ import annotations

from psycopg import sql

from indexes.collections import Collection, index_predicate, vector_expression
from indexes.search.options import Mode

_VECTOR_APPROXIMATE = """
vec_raw AS MATERIALIZED (
    SELECT c.id, {vexpr} <=> %(qvec)s::vector({dim}) AS distance
    FROM chunks c
    WHERE {predicate} {source_filter}
    ORDER BY {vexpr} <=> %(qvec)s::vector({dim})
    LIMIT %(candidates)s
)"""

# "+ 0" makes the order an expression the HNSW index cannot serve: an exact scan of the few
# documents' chunks, found through chunks_document_idx.
_VECTOR_EXACT = """
vec_raw AS MATERIALIZED (
    SELECT c.id, {vexpr} <=> %(qvec)s::vector({dim}) AS distance
    FROM chunks c
    WHERE {predicate} AND c.document_id = ANY(%(doc_ids)s::uuid[])
    ORDER BY ({vexpr} <=> %(qvec)s::vector({dim})) + 0, c.id
    LIMIT %(candidates)s
)"""

_VECTOR_RANKS = """
vec AS (
    SELECT id, 1 - distance AS sim, row_number() OVER (ORDER BY distance, id) AS r FROM vec_raw
)"""

# In hybrid mode the vector side may run first, on a second connection alongside the
# full-text side (see indexes/search/prepare.py); its ranked ids then come as parameters.
_VECTOR_FIRST = """
SELECT v.id, v.distance FROM vec_raw v ORDER BY v.distance, v.id"""

_VECTOR_GIVEN = """
vec AS (
    SELECT t.id, 1 - t.distance AS sim, t.r
    FROM unnest(%(vec_ids)s::uuid[], %(vec_distances)s::float8[])
        WITH ORDINALITY AS t(id, distance, r)
)"""

# The full-text side runs first, in its own statement: in hybrid mode while the query is
# still being embedded. Its ranked ids go to the final statement (same transaction, same
# principal). The match (%(tmatch)s, from pick_lexemes) finds the candidates through the GIN
# index; BM25 over every query word (%(tlexemes)s, weighted by %(tidfs)s) ranks them, so a
# chunk holding the question's rare words ranks above one holding more of its common ones.
_TEXT_FIRST = """
SELECT m.id, m.rank_score
FROM ragtune_text_candidates(
    {cid}, %(tmatch)s::tsquery, %(tlexemes)s::text[], %(tidfs)s::real[],
    {doc_ids}, %(candidates)s) AS m
ORDER BY m.rank_score DESC, m.id"""

# Chunks that name an identifier of the question ("E-214", "SF-182") as a phrase: the default
# parser splits such a token ("e", "-214"), so the phrase query keeps its parts together. They
# join the full-text candidates and are always among the rows re-ranked (see named_ids).
IDENTIFIER_PHRASES = """
SELECT string_agg('(' || phraseto_tsquery('english', i)::text || ')', ' | ')
FROM unnest(%s::text[]) AS i
WHERE phraseto_tsquery('english', i)::text <> ''"""

_TEXT_GIVEN = """
txt AS (
    SELECT t.id, t.rank_score, t.r
    FROM unnest(%(txt_ids)s::uuid[], %(txt_scores)s::real[]) WITH ORDINALITY AS t(id, rank_score, r)
)"""

# Weighted fusion: the cosine of every candidate (text-only ones included, read from their
# stored vectors) plus the full-text score relative to this query's best, so a chunk that
# both sides like gains a little and the embedding's judgement leads (see SearchOptions).
# Each fused row carries its cosine (``sim``) where it is known, so neither the fusion nor the
# final SELECT reads a stored vector twice: a vector candidate's cosine is its distance, and
# only text-only candidates read theirs (each read is a TOAST fetch of 1.5 KB).
_FUSE_WEIGHTED = """fused AS MATERIALIZED (
    SELECT u.id, u.sim,
           %(wv)s * u.sim
           + (1 - %(wv)s) * coalesce(
               txt.rank_score / nullif((SELECT max(rank_score) FROM txt), 0), 0) AS score
    FROM (
        SELECT id, sim FROM vec
        UNION ALL
        SELECT c.id, 1 - ({cvexpr} <=> %(qvec)s::vector({dim}))
        FROM chunks c
        WHERE c.id IN (SELECT id FROM txt EXCEPT SELECT id FROM vec)
    ) u
    LEFT JOIN txt ON txt.id = u.id
)"""

_FUSE = {
    "hybrid": """fused AS MATERIALIZED (
    SELECT coalesce(vec.id, txt.id) AS id, vec.sim,
           coalesce(1.0 / (%(rrf_k)s + vec.r), 0) + coalesce(1.0 / (%(rrf_k)s + txt.r), 0) AS score
    FROM vec FULL OUTER JOIN txt ON vec.id = txt.id
)""",
    "vector": "fused AS (SELECT id, sim, sim AS score FROM vec)",
    "text": "fused AS (SELECT id, NULL::float8 AS sim, rank_score AS score FROM txt)",
}

_SELECT = """
SELECT f.score, c.id::text, c.document_id::text, d.source, d.title, c.section, c.page,
       c.start_char, c.end_char, c.text, c.table_header, {similarity}
FROM fused f
JOIN chunks c ON c.id = f.id
JOIN documents d ON d.id = c.document_id
ORDER BY f.id = ANY(%(named_ids)s::uuid[]) DESC, f.score DESC, c.id
LIMIT %(limit)s"""


def _doc_ids(collection: Collection, with_sources: bool, exact: bool) -> sql.Composable:
    """The documents the full-text side is limited to (NULL: all the principal may read)."""
    if exact:
        return sql.SQL("%(doc_ids)s::uuid[]")
    if with_sources:
        return sql.SQL(
            "(SELECT array_agg(id) FROM documents WHERE collection_id = {} "
            "AND source = ANY(%(sources)s))"
        ).format(sql.Literal(int(collection.id)))
    return sql.SQL("NULL::uuid[]")


def _vector_parts(collection: Collection, with_sources: bool) -> dict[str, sql.Composable]:
    """The literals and filters the vector side's SQL is formatted with."""
    return {
        "vexpr": vector_expression(collection),
        "dim": sql.Literal(int(collection.embed_dim)),
        "predicate": index_predicate(collection),
        "source_filter": sql.SQL(
            "AND c.document_id IN (SELECT id FROM documents WHERE source = ANY(%(sources)s))"
            if with_sources
            else ""
        ),
    }


def vector_first_query(collection: Collection, with_sources: bool, exact: bool) -> sql.Composed:
    """The vector side's candidates (id, cosine distance), nearest first, as their own
    statement: in hybrid mode it runs on a second connection while the first one runs the
    full-text side; build_query(..., vector_given=True) then fuses both."""
    template = "WITH " + (_VECTOR_EXACT if exact else _VECTOR_APPROXIMATE) + _VECTOR_FIRST
    return sql.SQL(template).format(**_vector_parts(collection, with_sources))


def text_first_query(collection: Collection, with_sources: bool, exact: bool) -> sql.Composed:
    """The full-text candidates, ranked, as their own statement (run before the query vector
    is needed; see the module docstring)."""
    return sql.SQL(_TEXT_FIRST).format(
        cid=sql.Literal(int(collection.id)), doc_ids=_doc_ids(collection, with_sources, exact)
    )


def build_query(
    collection: Collection,
    mode: Mode,
    with_sources: bool,
    exact: bool = False,
    fusion: str = "weighted",
    vector_given: bool = False,
) -> sql.Composed:
    """The final SQL for one mode; every value is a bound parameter except the collection's
    own id and dimension (integers from the database) that must be literals for the partial
    HNSW index to match at plan time. ``exact``: the vector side scans the chunks of the
    documents in ``%(doc_ids)s`` (see few_documents) without HNSW. The full-text ranks come
    in ``%(txt_ids)s``/``%(txt_scores)s`` (from text_first_query). ``fusion``: hybrid mode's
    rule, "weighted" (``%(wv)s``) or "rrf" (``%(rrf_k)s``); ``%(limit)s`` rows come back.
    ``vector_given``: the vector side's ranks come in ``%(vec_ids)s``/``%(vec_distances)s``
    (from vector_first_query) instead of being searched here."""
    parts = []
    if vector_given:
        parts.append(_VECTOR_GIVEN)
    elif mode in ("hybrid", "vector"):
        parts += [_VECTOR_EXACT if exact else _VECTOR_APPROXIMATE, _VECTOR_RANKS]
    if mode in ("hybrid", "text"):
        parts.append(_TEXT_GIVEN)
    parts.append(_FUSE_WEIGHTED if mode == "hybrid" and fusion == "weighted" else _FUSE[mode])
    template = "WITH " + ",\n".join(parts) + _SELECT
    vector = _vector_parts(collection, with_sources)
    similarity = sql.SQL(
        "coalesce(f.sim, 1 - ({vexpr} <=> %(qvec)s::vector({dim})))"
        if mode != "text"
        else "NULL::float8"
    ).format(vexpr=vector["vexpr"], dim=vector["dim"])
    return sql.SQL(template).format(
        similarity=similarity,
        cvexpr=sql.SQL("(c.embedding::vector({}))").format(vector["dim"]),
        **vector,
    )
