"""A fingerprint of what an index holds: eval runs record it so two runs say whether the
documents they searched were the same."""

from __future__ import annotations

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
