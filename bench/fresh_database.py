"""A brand-new embedded PostgreSQL (fresh state dir, fresh database) for one benchmark run.

Opened exactly as the CLI opens it (admin pool as owner, app pool logged in as ragtune_app),
and stopped and deleted afterwards so runs never share caches or data.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from psycopg.conninfo import make_conninfo

from indexes.database import APP_ROLE, Database, embedded_conninfo, open_database, stop_embedded

# Server settings worth recording next to the numbers they influence.
_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "max_parallel_maintenance_workers",
    "jit",
)


@contextmanager
def fresh_database(*, pool_max: int = 4, keep: bool = False) -> Iterator[tuple[Database, Path]]:
    """Yield an open Database on a new embedded server, and the state dir it lives in."""
    state_dir = Path(tempfile.mkdtemp(prefix="ragtune-bench-"))
    db: Database | None = None
    try:
        admin_url = embedded_conninfo(state_dir)
        db = open_database(
            admin_url,
            app_conninfo=make_conninfo(admin_url, user=APP_ROLE),
            pool_max=pool_max,
            timeout_s=30,
        )
        yield db, state_dir
    finally:
        if db is not None:
            db.close()
        stop_embedded(state_dir)
        if not keep:
            shutil.rmtree(state_dir, ignore_errors=True)


def server_facts(db: Database) -> dict[str, Any]:
    """PostgreSQL and pgvector versions and the settings that move latency."""
    with db.administering() as conn:
        version = conn.execute("SHOW server_version").fetchone()
        vector = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()
        settings = dict(
            conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
                (list(_SETTINGS),),
            ).fetchall()
        )
    return {
        "postgres": version[0] if version else None,
        "pgvector": vector[0] if vector else None,
        "settings": settings,
    }
