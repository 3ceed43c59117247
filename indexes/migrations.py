"""Versioned schema migrations: ``schema/NNNN_name.sql`` files applied once, in order.

Each file runs in its own transaction under an advisory lock, so concurrent starts apply it
once; applied versions are recorded in ``schema_migrations``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

# Any constant works; it only has to be the same for every ragtune process.
_LOCK_ID = 7_240_311
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema file."""

    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """All migrations shipped in the package, sorted by version."""
    found = []
    for entry in resources.files("indexes").joinpath("schema").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def apply(conn: psycopg.Connection) -> list[Migration]:
    """Apply the migrations not yet recorded; return the ones applied now."""
    applied_now: list[Migration] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for migration in available():
            if migration.version in done:
                continue
            with conn.transaction():
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
            applied_now.append(migration)
    return applied_now


def current_version(conn: psycopg.Connection) -> int:
    """The highest applied version, 0 for an empty database."""
    row = conn.execute(
        "SELECT coalesce(max(version), 0) FROM schema_migrations"
        " WHERE to_regclass('schema_migrations') IS NOT NULL"
    ).fetchone()
    return int(row[0]) if row else 0
