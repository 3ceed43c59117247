"""API key tokens: made here, shown once, stored only as their SHA-256 (indexes/keys.py).

A token is ``rt_`` followed by 32 random bytes in URL-safe base64. It is long and random, so a
plain SHA-256 is enough (no salt or slow hash is needed to resist guessing); the first 11
characters are kept as a prefix to name the key in listings and logs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from indexes import keys as key_store
from indexes.database import Database
from ragtune.principal import Principal

TOKEN_PREFIX = "rt_"
_PREFIX_CHARS = 11


@dataclass(frozen=True)
class CreatedKey:
    """A new key: the token (never stored) and its stored record."""

    token: str
    record: key_store.ApiKey

    def to_json(self) -> dict[str, object]:
        """Exactly what ``ragtune keys create --json`` prints."""
        return {"key": self.token, "user": self.record.user, "groups": list(self.record.groups)}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def key_prefix(token: str) -> str:
    """The part of a token that may be shown and logged."""
    return token[:_PREFIX_CHARS]


def create_key(db: Database, principal: Principal, *, admin: bool = False) -> CreatedKey:
    """Make a key for ``principal``; the returned token is the only copy."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = key_store.insert_key(
        db, key_hash=hash_token(token), prefix=key_prefix(token), principal=principal, admin=admin
    )
    return CreatedKey(token, record)


def authenticate(db: Database, token: str) -> key_store.ApiKey | None:
    """The live key for ``token``; None when it is malformed, unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    key = key_store.find_by_hash(db, digest)
    if key is None or key.revoked:
        return None
    # The lookup matched on the hash already; this keeps the check constant-time if the
    # storage ever compares differently.
    if not hmac.compare_digest(key_prefix(token), key.prefix):
        return None
    return key
