"""The vector side of a hybrid search, on a second connection alongside the full-text side.

A hybrid search's two sides need different things: the full-text side only the question's
words, the vector side the query's embedding. On one connection they run one after the other
(the full-text side while the query is embedded, then the vector side); on two they run at
once, each on its own PostgreSQL backend, so a search costs about the slower side instead of
their sum. The second connection is taken only if the pool has one free at once; otherwise
the search runs both sides on its own connection, as before (prepare.py falls back).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from psycopg import sql

from indexes.database import Database
from ragtune.principal import Principal

# One thread per search in flight at most; a search that finds none free waits for one (the
# pool's connections, not these threads, bound how many run at once).
_WORKERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ragtune-vector-side")

# Runs the vector side's statement with these parameters (and the query vector) on a second
# connection; the future's value is its rows, or None when no connection was free.
VectorSide = Callable[[sql.Composed, dict[str, Any]], "Future[list[Any] | None]"]


def vector_side(
    db: Database,
    principal: Principal,
    narrow_to: frozenset[str] | None,
    query_vector: Callable[[], np.ndarray],
    settings: tuple[str, Sequence[Any]],
) -> VectorSide:
    """A VectorSide reading as ``principal`` (narrowed as the search is), with the search's
    transaction settings (``settings``: statement and parameters, prepare.search_settings)."""

    def run(statement: sql.Composed, params: dict[str, Any]) -> list[Any] | None:
        with db.reading_if_free(principal, narrow_to=narrow_to) as conn:
            if conn is None:
                return None
            conn.execute(*settings)
            return conn.execute(statement, params | {"qvec": query_vector()}).fetchall()

    def submit(statement: sql.Composed, params: dict[str, Any]) -> Future[list[Any] | None]:
        return _WORKERS.submit(run, statement, params)

    return submit
