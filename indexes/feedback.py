"""Answer feedback (thumbs up/down and a comment), from the HTTP API and the chat frontend."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from indexes.database import Database
from ragtune.errors import InputError, NotFoundError

Rating = Literal["up", "down"]
Source = Literal["api", "chat"]
MAX_COMMENT_CHARS = 4000
_SCORE: dict[str, int] = {"up": 1, "down": -1}

_COLUMNS = (
    "SELECT id::text, user_name, thread_id, message_id, rating, comment, source, created_at"
    " FROM feedback"
)


@dataclass(frozen=True)
class Feedback:
    """One stored rating."""

    id: str
    user: str
    thread_id: str
    message_id: str | None
    rating: Rating
    comment: str
    source: Source
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The ``POST /v1/feedback`` response body."""
        return {
            "id": self.id,
            "thread_id": self.thread_id,
            "message_id": self.message_id,
            "rating": self.rating,
            "comment": self.comment,
            "created_at": self.created_at.isoformat(),
        }


def _row(row: tuple[Any, ...]) -> Feedback:
    fid, user, thread, message, score, comment, source, created = row
    return Feedback(
        fid, user, thread, message, "up" if score > 0 else "down", comment, source, created
    )


def record_feedback(
    db: Database,
    *,
    user: str,
    thread_id: str,
    rating: Rating,
    comment: str = "",
    message_id: str | None = None,
    source: Source = "api",
    feedback_id: str | None = None,
) -> Feedback:
    """Store a rating; a user's second rating of the same message replaces the first."""
    if rating not in _SCORE:
        raise InputError(f"Invalid rating {rating!r}", hint="use 'up' or 'down'")
    if len(comment) > MAX_COMMENT_CHARS:
        raise InputError(f"The comment is longer than {MAX_COMMENT_CHARS} characters")
    for name, value in (
        ("comment", comment),
        ("message_id", message_id or ""),
        ("thread_id", thread_id),
    ):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            # PostgreSQL text holds neither; refused here rather than failing in the driver.
            raise InputError(
                f"The feedback {name} contains a NUL character or an unpaired surrogate",
                hint="send plain text",
            )
    new_id = _as_uuid(feedback_id) or uuid.uuid4()
    with db.administering() as conn:
        if message_id is not None:
            row = conn.execute(
                "INSERT INTO feedback (id, user_name, thread_id, message_id, rating, comment,"
                " source) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (user_name, thread_id, message_id) WHERE message_id IS NOT NULL"
                " DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment,"
                " updated_at = now() RETURNING id",
                (new_id, user, thread_id, message_id, _SCORE[rating], comment, source),
            ).fetchone()
        else:
            row = conn.execute(
                "INSERT INTO feedback (id, user_name, thread_id, rating, comment, source)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (new_id, user, thread_id, _SCORE[rating], comment, source),
            ).fetchone()
        assert row is not None
        stored = conn.execute(_COLUMNS + " WHERE id = %s", (row[0],)).fetchone()
    assert stored is not None
    return _row(stored)


def delete_feedback(db: Database, *, user: str, feedback_id: str) -> None:
    """Remove one of ``user``'s ratings; NotFoundError when it is not theirs or not there."""
    parsed = _as_uuid(feedback_id)
    deleted = None
    if parsed is not None:
        with db.administering() as conn:
            deleted = conn.execute(
                "DELETE FROM feedback WHERE id = %s AND user_name = %s RETURNING id",
                (parsed, user),
            ).fetchone()
    if deleted is None:
        raise NotFoundError(f"No feedback {feedback_id!r} by {user}")


def list_feedback(db: Database, *, thread_id: str | None = None) -> list[Feedback]:
    """Stored ratings, newest first (administrative view), optionally for one thread."""
    with db.administering() as conn:
        if thread_id is None:
            rows = conn.execute(_COLUMNS + " ORDER BY created_at DESC").fetchall()
        else:
            rows = conn.execute(
                _COLUMNS + " WHERE thread_id = %s ORDER BY created_at DESC", (thread_id,)
            ).fetchall()
    return [_row(r) for r in rows]


def _as_uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
