"""A fingerprint of what an index holds: eval runs and answers record it so two of them say
whether the documents they searched were the same."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from indexes.database import Database

# Ordered by collection and path so the hash depends on content only, not on insertion order.
_SNAPSHOT = (
    "SELECT c.name, encode(sha256(convert_to(coalesce(string_agg("
    "d.path || ':' || d.content_hash || ':' || array_to_string(d.allowed_groups, ','),"
    " E'\\n' ORDER BY d.path), ''), 'UTF8')), 'hex'), count(d.id)"
    " FROM collections c LEFT JOIN documents d ON d.collection_id = c.id"
    " GROUP BY c.name ORDER BY c.name"
)


def index_snapshot(db: Database) -> dict[str, dict[str, object]]:
    """Per collection: SHA-256 over its documents' paths, content hashes and groups, and the
    document count (administrative read: every document counts, whoever asks later)."""
    with db.administering() as conn:
        rows = conn.execute(_SNAPSHOT).fetchall()
    return {name: {"sha256": digest, "documents": n} for name, digest, n in rows}


def index_generation(db: Database) -> int:
    """A counter that moves on every committed change to the documents (one sequence read)."""
    with db.administering() as conn:
        row = conn.execute("SELECT last_value FROM ragtune_index_generation").fetchone()
    return int(row[0]) if row else 0


@dataclass
class SnapshotCache:
    """``index_snapshot`` for every answer, recomputed only when the documents changed.

    The generation counter moves at commit time, so a snapshot computed in the instant
    between a commit's counter move and its rows becoming visible could be cached with the
    new generation; ``max_age_s`` bounds how long such a snapshot can be reused.
    """

    max_age_s: float = 60.0
    _generation: int = -1
    _computed_at: float = 0.0
    _snapshot: dict[str, dict[str, object]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def collection_sha256(self, db: Database, collection: str) -> str | None:
        """The snapshot hash of ``collection`` now (None: no such collection)."""
        entry = self.snapshot(db).get(collection)
        return str(entry["sha256"]) if entry else None

    def snapshot(self, db: Database) -> dict[str, dict[str, object]]:
        """The whole index snapshot, from the cache while it is current."""
        generation = index_generation(db)
        with self._lock:
            fresh = time.monotonic() - self._computed_at < self.max_age_s
            if generation == self._generation and fresh:
                return self._snapshot
            self._snapshot = index_snapshot(db)
            self._generation, self._computed_at = generation, time.monotonic()
            return self._snapshot
