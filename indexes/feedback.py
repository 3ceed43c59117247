"""Answer feedback (thumbs up/down and a comment), from the HTTP API and the chat frontend."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from psycopg.types.json import Jsonb

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
    rated: dict[str, Any] | None = None,
) -> Feedback:
    """Store a rating; a user's second rating of the same message replaces the first.

    ``rated``: the answer rated (question, answer, route, citations without text), for a
    rating whose answer is no stored chat step (``POST /v1/feedback`` on an agent thread).
    """
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
    document = None if rated is None else Jsonb(rated)
    with db.administering() as conn:
        if message_id is not None:
            row = conn.execute(
                "INSERT INTO feedback (id, user_name, thread_id, message_id, rating, comment,"
                " source, rated) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (user_name, thread_id, message_id) WHERE message_id IS NOT NULL"
                " DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment,"
                " rated = coalesce(EXCLUDED.rated, feedback.rated), updated_at = now()"
                " RETURNING id",
                (new_id, user, thread_id, message_id, _SCORE[rating], comment, source, document),
            ).fetchone()
        else:
            row = conn.execute(
                "INSERT INTO feedback (id, user_name, thread_id, rating, comment, source, rated)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (new_id, user, thread_id, _SCORE[rating], comment, source, document),
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


# --- The review queue: each rating with the conversation step it rated (administrative reads).

_REVIEW = (
    "SELECT f.id::text, f.user_name, f.thread_id, f.message_id, f.rating, f.comment, f.source,"
    " f.created_at, coalesce(s.step, f.rated),"
    # The question is the user's message shown last before the rated answer; an API rating
    # holds its own (``rated``).
    " CASE WHEN s.id IS NULL THEN f.rated->>'question' ELSE"
    " (SELECT q.step->>'output' FROM chat_steps q WHERE q.thread_id = f.thread_id"
    "  AND q.step->>'type' = 'user_message'"
    "  AND coalesce(q.step->>'createdAt', '') <= coalesce(s.step->>'createdAt', '')"
    "  ORDER BY q.step->>'createdAt' DESC, q.created_at DESC LIMIT 1) END,"
    " coalesce((SELECT array_agg(DISTINCT g ORDER BY g) FROM api_keys k, unnest(k.groups) g"
    "  WHERE k.user_name = f.user_name AND k.revoked_at IS NULL), '{}')"
    " FROM feedback f LEFT JOIN chat_steps s ON s.id = f.message_id"
    " AND s.thread_id = f.thread_id"
    " WHERE (%(rating)s::smallint IS NULL OR f.rating = %(rating)s::smallint)"
    " AND (%(since)s::timestamptz IS NULL OR f.created_at >= %(since)s::timestamptz)"
    " ORDER BY f.created_at DESC, f.id"
)


@dataclass(frozen=True)
class RatedAnswer:
    """A rating with what was rated: the displayed answer step and the question before it.

    ``step`` is the chat step rated, or for a rating given through the API (which names an
    agent thread, whose turns live in the agent's checkpoints) the copy of the answer stored
    with it (``service.api.feedback``); None for an API rating stored before that copy existed.
    ``key_groups`` are the groups of the rater's live API keys: what they could read when
    they rated.
    """

    feedback: Feedback
    step: dict[str, Any] | None
    question: str | None
    key_groups: tuple[str, ...]


def rated_answers(
    db: Database, *, rating: Rating | None = None, since: datetime | None = None
) -> list[RatedAnswer]:
    """Every rating (newest first) with its rated step and question, for the review queue."""
    params = {"rating": None if rating is None else _SCORE[rating], "since": since}
    with db.administering() as conn:
        rows = conn.execute(_REVIEW, params).fetchall()
    return [
        RatedAnswer(_row(r[:8]), dict(r[8]) if r[8] is not None else None, r[9], tuple(r[10]))
        for r in rows
    ]


def cited_chunks(db: Database, chunk_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Cited chunks by id with their text and their document's groups (administrative read:
    the export decides from these groups who may learn from the feedback)."""
    ids = [c for c in chunk_ids if _as_uuid(c) is not None]
    if not ids:
        return {}
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT c.id::text, c.text, d.source, c.section, c.page, d.allowed_groups"
            " FROM chunks c JOIN documents d ON d.id = c.document_id"
            " WHERE c.id::text = ANY(%s)",
            (ids,),
        ).fetchall()
    return {
        cid: {"text": text, "source": source, "section": section, "page": page, "groups": groups}
        for cid, text, source, section, page, groups in rows
    }
