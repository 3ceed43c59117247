"""Is the database answering on both pools? For readiness probes."""

from __future__ import annotations

import psycopg
from psycopg_pool import PoolTimeout

from indexes.database import Database
from ragtune.errors import DatabaseError
from ragtune.principal import Principal


def database_problem(db: Database) -> str | None:
    """None when both pools answer a trivial query, else a short reason (no secrets)."""
    try:
        with db.administering() as conn:
            conn.execute("SELECT 1")
        with db.reading(Principal("readiness-probe")) as conn:
            conn.execute("SELECT 1")
    except DatabaseError:
        return "database unavailable"
    except (psycopg.Error, PoolTimeout) as exc:
        return f"database unavailable: {type(exc).__name__}"
    return None
