"""Collections: a named set of documents embedded with one model, and its vector index."""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg import sql

from ragtune.errors import InputError, ModelMismatchError, NotFoundError

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,63}$")


@dataclass(frozen=True)
class Collection:
    """A collection row: its id, name, the embedding model its vectors came from, and the
    backends that computed them (one model's backends agree within the parity bound)."""

    id: int
    name: str
    embed_model: str
    embed_dim: int
    embed_backends: tuple[str, ...] = ("sentence-transformers",)


def check_collection_name(name: str) -> str:
    """Return ``name`` if valid, else raise InputError."""
    if not _NAME.match(name):
        raise InputError(
            f"Invalid collection name {name!r}", hint="use 1-63 letters, digits, '_' or '-'"
        )
    return name


def get_collection(conn: psycopg.Connection, name: str) -> Collection:
    """The collection called ``name``; NotFoundError if there is none."""
    row = conn.execute(
        "SELECT id, name, embed_model, embed_dim, embed_backends FROM collections WHERE name = %s",
        (name,),
    ).fetchone()
    if row is None:
        raise NotFoundError(
            f"No collection named {name!r}",
            hint=f"ingest documents into it first (ragtune ingest --collection {name!r} PATH), or "
            "name one that exists (ragtune db status lists them)",
        )
    return Collection(row[0], row[1], row[2], row[3], tuple(row[4]))


def has_collection(conn: psycopg.Connection, name: str) -> bool:
    """Whether a collection called ``name`` exists."""
    return conn.execute("SELECT 1 FROM collections WHERE name = %s", (name,)).fetchone() is not None


def drop_if_empty(conn: psycopg.Connection, collection: Collection) -> bool:
    """Remove ``collection`` and its vector index when it holds no document; True if removed.

    For an ingest that created the collection and stored nothing (every file failed): the
    name is left free, and `ragtune db status` does not list an empty collection nobody made
    on purpose. A document written meanwhile by another ingest keeps the collection.
    """
    gone = conn.execute(
        "DELETE FROM collections c WHERE c.id = %s"
        " AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.collection_id = c.id) RETURNING id",
        (collection.id,),
    ).fetchone()
    if gone is not None:
        drop_vector_index(conn, collection)
    return gone is not None


def vector_expression(collection: Collection) -> sql.Composable:
    """``embedding::vector(dim)``: the expression the collection's HNSW index is built on.

    The dimension comes from the collections table (an integer), never from a caller.
    """
    return sql.SQL("(embedding::vector({}))").format(sql.Literal(int(collection.embed_dim)))


def index_predicate(collection: Collection) -> sql.Composable:
    """The partial-index predicate; queries must repeat it to use the collection's index.

    It names the dimension as well as the collection: an index built right after a re-embed
    in the same transaction also scans the superseded row versions, and those must fall
    outside the predicate rather than fail the cast to the new dimension.
    """
    return sql.SQL("collection_id = {} AND vector_dims(embedding) = {}").format(
        sql.Literal(int(collection.id)), sql.Literal(int(collection.embed_dim))
    )


def _index_name(collection: Collection) -> sql.Identifier:
    return sql.Identifier(f"chunks_hnsw_c{collection.id}_d{collection.embed_dim}")


def create_vector_index(conn: psycopg.Connection, collection: Collection) -> None:
    """HNSW (cosine) over this collection's rows only, so collections may differ in dimension.

    The index is partial; queries repeat its predicate as literals (integers from the
    collections table) so the planner can match the index at plan time.
    """
    conn.execute(
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {} ON chunks USING hnsw ({} vector_cosine_ops) WHERE {}"
        ).format(
            _index_name(collection), vector_expression(collection), index_predicate(collection)
        )
    )


def drop_vector_index(conn: psycopg.Connection, collection: Collection) -> None:
    """Drop the collection's HNSW index (before re-embedding with another model)."""
    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(_index_name(collection)))


def ensure_collection(
    conn: psycopg.Connection,
    name: str,
    embed_model: str,
    embed_dim: int,
    embed_backend: str = "sentence-transformers",
) -> Collection:
    """Get or create the collection; refuse if it was embedded with another model.

    Another backend of the same model (ONNX, a server serving it) is accepted without a
    reindex: each backend is held to the parity bound against the reference when it loads
    (indexes.embedders.parity); the collection records every backend that wrote to it.
    """
    check_collection_name(name)
    conn.execute(
        "INSERT INTO collections (name, embed_model, embed_dim, embed_backends)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
        (name, embed_model, embed_dim, [embed_backend]),
    )
    collection = get_collection(conn, name)
    if (collection.embed_model, collection.embed_dim) != (embed_model, embed_dim):
        raise ModelMismatchError(
            f"Collection {name!r} was embedded with {collection.embed_model} "
            f"({collection.embed_dim} dims), but the configured model is {embed_model} "
            f"({embed_dim} dims)",
            hint=f"run `ragtune reindex --collection {name}` to re-embed it with {embed_model}, "
            f"or set RAGTUNE_EMBED_MODEL={collection.embed_model}",
        )
    if embed_backend not in collection.embed_backends:
        conn.execute(
            "UPDATE collections SET embed_backends = array_append(embed_backends, %s)"
            " WHERE id = %s",
            (embed_backend, collection.id),
        )
        collection = get_collection(conn, name)
    create_vector_index(conn, collection)
    return collection
