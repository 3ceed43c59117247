"""Fail fast while the database is down, and recover by ourselves when it is back.

A pool left to itself waits its whole timeout (10 s) for a connection the server cannot give,
then raises a driver error; after a restart it hands out connections the old server closed.
``borrow`` waits briefly, then asks the server directly: down means DatabaseError (HTTP 503,
type ``database``) at once, and later callers get the same answer from one probe every
``PROBE_EVERY_S`` until the server answers again; up means the pool is only busy, so its
stale connections are replaced and the caller waits the rest of the timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from ragtune.errors import DatabaseError

# How long a request waits for a pooled connection before asking whether the server is up.
FAST_WAIT_S = 0.4
# While down, at most one probe per interval; the others reuse its answer.
PROBE_EVERY_S = 0.25
# A failed reconnection is retried by the pool for this long, then on the next request: a
# long outage must not leave the pool backing off for minutes after the server returns.
RECONNECT_TIMEOUT_S = 1.0
HINT = (
    "the database is not answering: check that PostgreSQL is running (ragtune db status); "
    "retry when it is back"
)


@dataclass
class Availability:
    """Whether the server answered lately; shared by both pools of one database."""

    conninfo: str
    label: str
    down: bool = False
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self) -> DatabaseError:
        return DatabaseError(f"The database at {self.label} is unavailable", hint=HINT)

    def server_answers(self) -> bool:
        """Probe the server with a fresh connection (at most once per PROBE_EVERY_S)."""
        with self.lock:
            now = time.monotonic()
            if self.down and now - self.checked_at < PROBE_EVERY_S:
                return False
            try:
                with psycopg.connect(self.conninfo, connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
            except psycopg.Error:
                self.down, self.checked_at = True, time.monotonic()
                return False
            self.down, self.checked_at = False, time.monotonic()
            return True

    def require_up(self) -> None:
        """DatabaseError at once when the server was down and still is."""
        if self.down and not self.server_answers():
            raise self.error()


def _get(pool: ConnectionPool, availability: Availability) -> psycopg.Connection:
    started = time.monotonic()
    try:
        return pool.getconn(timeout=min(FAST_WAIT_S, pool.timeout))
    except PoolTimeout:
        pass
    if not availability.server_answers():
        raise availability.error() from None
    # The server answers, so the pool is busy or holds connections a restart closed.
    pool.check()
    remaining = pool.timeout - (time.monotonic() - started)
    try:
        return pool.getconn(timeout=max(0.1, remaining))
    except PoolTimeout as exc:
        raise DatabaseError(
            f"No free database connection within {pool.timeout:g} s",
            hint="the database is busy: retry, or raise the pool size (db_pool_max)",
        ) from exc


@contextmanager
def borrow_if_free(
    pool: ConnectionPool, availability: Availability, wait_s: float
) -> Iterator[psycopg.Connection | None]:
    """A connection of ``pool`` if one is free within ``wait_s``, else None (the pool grows
    in the background for the next caller); for work that can also be done without it."""
    if availability.down:
        yield None
        return
    try:
        conn = pool.getconn(timeout=wait_s)
    except PoolTimeout:
        yield None
        return
    with _lent(pool, availability, conn):
        yield conn


@contextmanager
def borrow(pool: ConnectionPool, availability: Availability) -> Iterator[psycopg.Connection]:
    """A connection of ``pool`` (as ``pool.connection()``), or DatabaseError fast when the
    server is down; a connection lost mid-use is a DatabaseError too."""
    availability.require_up()
    conn = _get(pool, availability)
    with _lent(pool, availability, conn):
        yield conn


@contextmanager
def _lent(
    pool: ConnectionPool, availability: Availability, conn: psycopg.Connection
) -> Iterator[None]:
    """Use ``conn`` (its transaction ends with the block), then give it back to ``pool``; a
    connection lost mid-use is a DatabaseError."""
    try:
        with conn:
            yield
    except psycopg.OperationalError as exc:
        if not (conn.broken or conn.closed):
            raise  # a cancelled or failed statement, not an outage
        availability.server_answers()
        raise availability.error() from exc
    finally:
        pool.putconn(conn)
