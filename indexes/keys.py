"""API keys in Postgres: create, find by hash, list, revoke (named queries, admin pool only).

Only the SHA-256 of a key is stored; the token itself is made and shown once by the caller
(service/keys.py). The app role has no grant on this table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from indexes.database import Database
from ragtune.errors import InputError, NotFoundError
from ragtune.principal import Principal

_COLUMNS = (
    "SELECT id::text, prefix, user_name, groups, is_admin, created_at, last_used_at, revoked_at"
    " FROM api_keys"
)
_BY_HASH = _COLUMNS + " WHERE key_hash = %s"
_BY_ID = _COLUMNS + " WHERE id = %s"
_BY_PREFIX = _COLUMNS + " WHERE prefix = %s"
_LIST_ALL = _COLUMNS + " ORDER BY created_at"
_LIST_ACTIVE = _COLUMNS + " WHERE revoked_at IS NULL ORDER BY created_at"


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    id: str
    prefix: str
    user: str
    groups: tuple[str, ...]
    admin: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def principal(self) -> Principal:
        """The principal every request made with this key runs as."""
        return Principal(self.user, frozenset(self.groups))

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def to_json(self) -> dict[str, object]:
        """What ``ragtune keys list --json`` prints for one key."""
        return {
            "id": self.id,
            "prefix": self.prefix,
            "user": self.user,
            "groups": list(self.groups),
            "admin": self.admin,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked": self.revoked,
        }


def _row(row: tuple[Any, ...]) -> ApiKey:
    key_id, prefix, user, groups, admin, created, used, revoked = row
    return ApiKey(key_id, prefix, user, tuple(sorted(groups)), admin, created, used, revoked)


def insert_key(
    db: Database, *, key_hash: str, prefix: str, principal: Principal, admin: bool
) -> ApiKey:
    """Store a new key's hash for ``principal``."""
    key_id = uuid.uuid4()
    with db.administering() as conn:
        conn.execute(
            "INSERT INTO api_keys (id, prefix, key_hash, user_name, groups, is_admin)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (key_id, prefix, key_hash, principal.user, sorted(principal.groups), admin),
        )
        row = conn.execute(_BY_ID, (key_id,)).fetchone()
    assert row is not None
    return _row(row)


def find_by_hash(db: Database, key_hash: str) -> ApiKey | None:
    """The key with this hash (revoked or not), marking it used at most once a minute."""
    with db.administering() as conn:
        row = conn.execute(_BY_HASH, (key_hash,)).fetchone()
        if row is None:
            return None
        key = _row(row)
        if not key.revoked:
            # Throttled so a busy key does not turn every request into a row update.
            conn.execute(
                "UPDATE api_keys SET last_used_at = now() WHERE id = %s AND"
                " (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')",
                (key.id,),
            )
    return key


def get_key(db: Database, key_id: str) -> ApiKey:
    """One key by id; NotFoundError when there is none."""
    parsed = _as_uuid(key_id)
    row = None
    if parsed is not None:
        with db.administering() as conn:
            row = conn.execute(_BY_ID, (parsed,)).fetchone()
    if row is None:
        raise NotFoundError(f"No API key with id {key_id!r}", hint="see ragtune keys list")
    return _row(row)


def list_keys(db: Database, *, include_revoked: bool = False) -> list[ApiKey]:
    """Every key, oldest first; revoked ones only when asked."""
    with db.administering() as conn:
        rows = conn.execute(_LIST_ALL if include_revoked else _LIST_ACTIVE).fetchall()
    return [_row(r) for r in rows]


def revoke_key(db: Database, ref: str) -> ApiKey:
    """Revoke a key by id or prefix; NotFoundError when none matches, InputError when a prefix
    matches several."""
    parsed = _as_uuid(ref)
    with db.administering() as conn:
        if parsed is not None:
            rows = conn.execute(_BY_ID, (parsed,)).fetchall()
        else:
            rows = conn.execute(_BY_PREFIX, (ref,)).fetchall()
        if not rows:
            raise NotFoundError(f"No API key matches {ref!r}", hint="see ragtune keys list")
        if len(rows) > 1:
            raise InputError(
                f"{len(rows)} API keys share the prefix {ref!r}", hint="revoke by id instead"
            )
        key = _row(rows[0])
        conn.execute(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s",
            (key.id,),
        )
        row = conn.execute(_BY_ID, (key.id,)).fetchone()
    assert row is not None
    return _row(row)


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
