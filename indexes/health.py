"""Is the database answering on both pools? For readiness probes."""

from __future__ import annotations

import psycopg
from psycopg_pool import PoolTimeout

from indexes.database import Database


def database_problem(db: Database) -> str | None:
    """None when both pools answer a trivial query, else a short reason (no secrets)."""
    try:
        with db.administering() as conn:
            conn.execute("SELECT 1")
        with db.app.connection() as conn:
            conn.execute("SELECT 1")
    except (psycopg.Error, PoolTimeout) as exc:
        return f"database unavailable: {type(exc).__name__}"
    return None
