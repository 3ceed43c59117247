"""The chat frontend's conversations: threads and their displayed steps (named queries).

Writes go through the admin pool; reads go through ``Database.reading(principal)``, where
row-level security shows a thread only to its owner. Citations are stored as chunk ids, and
their quoted text is read again through ``readable_chunks`` with the reader's current groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from indexes.database import Database
from indexes.threads import LOCK_THREAD_ID, owner_of
from ragtune.principal import Principal


@dataclass(frozen=True)
class ChatThread:
    """A stored conversation: its id doubles as the agent's thread id."""

    id: str
    user: str
    name: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    steps: list[dict[str, Any]] = field(default_factory=list)


_THREAD = "SELECT id, user_name, name, tags, created_at, updated_at FROM chat_threads"
# Written out whole so every statement is a literal with bound parameters only.
_ONE_THREAD = _THREAD + " WHERE id = %s"
_LIST_THREADS = (
    "SELECT id, user_name, name, tags, created_at, updated_at FROM chat_threads"
    " WHERE (%s::text IS NULL OR name ILIKE %s)"
    " AND (%s::text IS NULL OR updated_at <"
    " (SELECT c.updated_at FROM chat_threads c WHERE c.id = %s))"
    " ORDER BY updated_at DESC LIMIT %s"
)


def _thread(row: tuple[Any, ...]) -> ChatThread:
    tid, user, name, tags, created, updated = row
    return ChatThread(tid, user, name, list(tags or []), created, updated)


def save_thread(
    db: Database,
    thread_id: str,
    user: str | None,
    *,
    name: str | None = None,
    tags: list[str] | None = None,
) -> bool:
    """Create or update a thread of ``user``; False when the id belongs to someone else.

    With ``user`` None only an existing thread is updated (its owner never changes). An id
    an API thread of another user already holds is refused: no row is created for it.
    """
    with db.administering() as conn:
        conn.execute(LOCK_THREAD_ID, (thread_id,))
        if user is None:
            row = conn.execute(
                "UPDATE chat_threads SET name = coalesce(%s, name),"
                " tags = coalesce(%s::text[], tags),"
                " updated_at = now() WHERE id = %s RETURNING id",
                (name, tags, thread_id),
            ).fetchone()
        else:
            api = conn.execute(
                "SELECT owner FROM threads WHERE thread_id = %s", (thread_id,)
            ).fetchone()
            if api is not None and api[0] != user:
                return False
            row = conn.execute(
                "INSERT INTO chat_threads (id, user_name, name, tags)"
                " VALUES (%s, %s, coalesce(%s, ''), coalesce(%s::text[], '{}'))"
                " ON CONFLICT (id) DO UPDATE SET"
                " name = coalesce(%s, chat_threads.name),"
                " tags = coalesce(%s::text[], chat_threads.tags), updated_at = now()"
                " WHERE chat_threads.user_name = EXCLUDED.user_name RETURNING id",
                (thread_id, user, name, tags, name, tags),
            ).fetchone()
    return row is not None


def thread_owner(db: Database, thread_id: str) -> str | None:
    """Who owns a thread, chat or API (None if unknown): used to refuse other users before
    any read or write."""
    return owner_of(db, thread_id)


def save_step(db: Database, thread_id: str, user: str, step: dict[str, Any]) -> bool:
    """Create or replace a displayed step (a message) of ``user``'s thread."""
    if not save_thread(db, thread_id, user):
        return False
    with db.administering() as conn:
        conn.execute(
            "INSERT INTO chat_steps (id, thread_id, user_name, step) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET step = chat_steps.step || EXCLUDED.step"
            " WHERE chat_steps.user_name = EXCLUDED.user_name",
            (step["id"], thread_id, user, Jsonb(step)),
        )
    return True


def delete_step(db: Database, step_id: str, user: str) -> None:
    with db.administering() as conn:
        conn.execute("DELETE FROM chat_steps WHERE id = %s AND user_name = %s", (step_id, user))


def delete_thread(db: Database, thread_id: str, user: str) -> None:
    with db.administering() as conn:
        conn.execute("DELETE FROM chat_threads WHERE id = %s AND user_name = %s", (thread_id, user))


def list_threads(
    db: Database,
    principal: Principal,
    *,
    search: str | None = None,
    limit: int = 20,
    after: str | None = None,
) -> list[ChatThread]:
    """``principal``'s threads, most recently updated first (row security hides the rest);
    ``after`` is the last thread id of the previous page."""
    pattern = f"%{search}%" if search else None
    with db.reading(principal) as conn:
        rows = conn.execute(
            _LIST_THREADS,
            (pattern, pattern, after, after, limit),
        ).fetchall()
    return [_thread(r) for r in rows]


def get_thread(db: Database, principal: Principal, thread_id: str) -> ChatThread | None:
    """One of ``principal``'s threads with its steps in order; None if not theirs or unknown."""
    with db.reading(principal) as conn:
        row = conn.execute(_ONE_THREAD, (thread_id,)).fetchone()
        if row is None:
            return None
        steps = conn.execute(
            # Chainlit's own timestamps order the steps: its writes may land out of order.
            "SELECT step FROM chat_steps WHERE thread_id = %s"
            " ORDER BY coalesce(step->>'createdAt', step->>'start'), created_at, id",
            (thread_id,),
        ).fetchall()
    thread = _thread(row)
    thread.steps.extend(dict(s[0]) for s in steps)
    return thread


def readable_chunks(db: Database, principal: Principal, chunk_ids: list[str]) -> dict[str, str]:
    """The text of those chunks ``principal`` may read now, by id; the rest are left out."""
    if not chunk_ids:
        return {}
    with db.reading(principal) as conn:
        rows = conn.execute(
            "SELECT id::text, text FROM chunks WHERE id::text = ANY(%s)", (chunk_ids,)
        ).fetchall()
    return {cid: text for cid, text in rows}


def link_history(db: Database, history_hash: str, user: str, thread_id: str) -> None:
    """Remember that the conversation hashing to ``history_hash`` continues ``thread_id``."""
    with db.administering() as conn:
        conn.execute(
            "INSERT INTO conversation_links (history_hash, user_name, thread_id)"
            " VALUES (%s, %s, %s) ON CONFLICT (history_hash) DO NOTHING",
            (history_hash, user, thread_id),
        )


def linked_thread(db: Database, history_hash: str, user: str) -> str | None:
    """The thread a conversation history continues, if this user had one."""
    with db.administering() as conn:
        row = conn.execute(
            "SELECT thread_id FROM conversation_links WHERE history_hash = %s AND user_name = %s",
            (history_hash, user),
        ).fetchone()
    return row[0] if row else None


def step_owner(db: Database, step_id: str) -> tuple[str, str] | None:
    """``(thread id, owner)`` of a displayed step, to attribute feedback on it."""
    with db.administering() as conn:
        row = conn.execute(
            "SELECT thread_id, user_name FROM chat_steps WHERE id = %s", (step_id,)
        ).fetchone()
    return (row[0], row[1]) if row else None
