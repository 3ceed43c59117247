"""Named queries for conversation threads: ownership, titles and listing.

A thread belongs to the user who started it; nobody else may continue or read it, because its
checkpoints hold the text that was retrieved for that user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from indexes.database import Database
from ragtune.errors import InputError, NotFoundError, PermissionDeniedError
from ragtune.principal import Principal

_THREAD_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
TITLE_CHARS = 80


@dataclass(frozen=True)
class Thread:
    """One conversation: its id, owner, a title (its first question) and last activity."""

    thread_id: str
    owner: str
    title: str
    updated_at: datetime


def check_thread_id(thread_id: str) -> str:
    """Return ``thread_id`` if it is well formed, else raise InputError."""
    if not _THREAD_ID.fullmatch(thread_id):
        raise InputError(
            f"Invalid thread id {thread_id!r}",
            hint="use 1-128 letters, digits, '_', '.', ':' or '-'",
        )
    return thread_id


# One id names one conversation across the API (``threads``) and the chat (``chat_threads``):
# whoever used it first, on either side, owns it. Both sides take this lock on the id before
# checking the other table, so two first uses cannot both win.
LOCK_THREAD_ID = "SELECT pg_advisory_xact_lock(hashtext('ragtune-thread:' || %s))"
_CHAT_OWNER = "SELECT user_name FROM chat_threads WHERE id = %s"


def claim(db: Database, thread_id: str, principal: Principal, title: str) -> Thread:
    """Start ``thread_id`` for ``principal`` or touch it; PermissionDeniedError if another user
    owns it (here or as a chat conversation)."""
    check_thread_id(thread_id)
    with db.administering() as conn:
        conn.execute(LOCK_THREAD_ID, (thread_id,))
        chat = conn.execute(_CHAT_OWNER, (thread_id,)).fetchone()
        row = None
        if chat is None or chat[0] == principal.user:
            row = conn.execute(
                """
                INSERT INTO threads (thread_id, owner, title) VALUES (%s, %s, %s)
                ON CONFLICT (thread_id) DO UPDATE SET updated_at = now()
                    WHERE threads.owner = EXCLUDED.owner
                RETURNING thread_id, owner, title, updated_at
                """,
                (thread_id, principal.user, title[:TITLE_CHARS]),
            ).fetchone()
    if row is None:
        raise PermissionDeniedError(
            f"Thread {thread_id!r} belongs to another user",
            hint="start a new thread (omit the thread id)",
        )
    return Thread(*row)


def get_owned(db: Database, thread_id: str, principal: Principal) -> Thread:
    """The thread if ``principal`` owns it; NotFoundError or PermissionDeniedError otherwise."""
    check_thread_id(thread_id)
    with db.administering() as conn:
        row = conn.execute(
            "SELECT thread_id, owner, title, updated_at FROM threads WHERE thread_id = %s",
            (thread_id,),
        ).fetchone()
    if row is None:
        raise NotFoundError(f"No thread {thread_id!r}", hint="start a new thread")
    thread = Thread(*row)
    if thread.owner != principal.user:
        raise PermissionDeniedError(
            f"Thread {thread_id!r} belongs to another user", hint="open one of your own threads"
        )
    return thread


def owner_of(db: Database, thread_id: str) -> str | None:
    """Who owns ``thread_id`` on either side (API thread or chat conversation), if anyone."""
    with db.administering() as conn:
        row = conn.execute(
            "SELECT owner FROM threads WHERE thread_id = %s"
            " UNION ALL SELECT user_name FROM chat_threads WHERE id = %s LIMIT 1",
            (thread_id, thread_id),
        ).fetchone()
    return row[0] if row else None


def list_owned(db: Database, principal: Principal, limit: int = 50) -> list[Thread]:
    """``principal``'s threads, most recent first."""
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT thread_id, owner, title, updated_at FROM threads WHERE owner = %s"
            " ORDER BY updated_at DESC LIMIT %s",
            (principal.user, limit),
        ).fetchall()
    return [Thread(*r) for r in rows]
