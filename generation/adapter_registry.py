"""The adapter registry in Postgres: which adapters exist, who may use them, which is active.

Writes go through the admin pool (``Database.administering``). Reads for a principal go
through ``Database.reading(principal)``, where row-level security shows only adapters whose
allowed groups meet the principal's: an adapter carries what it learned from restricted pairs,
so it is restricted like the pairs were. Registration happens only after the adapter folder is
complete (see training/publish.py), so a registered adapter always has its files.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb

from indexes.database import Database
from ragtune.errors import InputError, NotFoundError, PermissionDeniedError
from ragtune.principal import Principal

GLOBAL = "*"
_SELECT = (
    "SELECT a.name, a.path, a.base_model, a.method, a.allowed_groups, a.manifest, a.created_at,"
    " coalesce((SELECT array_agg(s.scope ORDER BY s.scope) FROM adapter_activations s"
    " WHERE s.adapter_id = a.id), '{}') FROM adapters a"
)
# Written out whole so every statement is a literal with bound parameters only.
_LIST = _SELECT + " ORDER BY a.name"
_BY_NAME = _SELECT + " WHERE a.name = %s"
_BY_SCOPE = _SELECT + " JOIN adapter_activations act ON act.adapter_id = a.id WHERE act.scope = %s"


@dataclass(frozen=True)
class RegisteredAdapter:
    """One row of the registry."""

    name: str
    path: Path
    base_model: str
    method: str
    allowed_groups: tuple[str, ...]
    manifest: dict[str, Any]
    created_at: _dt.datetime
    active_scopes: tuple[str, ...] = field(default=())

    def show(self) -> dict[str, Any]:
        """What ``ragtune adapters show --json`` prints: the manifest plus registry fields."""
        return {
            **self.manifest,
            "path": str(self.path),
            "allowed_groups": list(self.allowed_groups),
            "active_scopes": list(self.active_scopes),
            "registered_at": self.created_at.isoformat(),
        }

    def usable_by(self, principal: Principal) -> bool:
        return bool(set(self.allowed_groups) & principal.effective_groups)


def _row(row: tuple[Any, ...]) -> RegisteredAdapter:
    name, path, base, method, groups, manifest, created, scopes = row
    return RegisteredAdapter(
        name, Path(path), base, method, tuple(groups), dict(manifest), created, tuple(scopes)
    )


def register(db: Database, path: Path, manifest: dict[str, Any]) -> RegisteredAdapter:
    """Record a finished adapter folder; InputError when its name is already registered."""
    import psycopg

    groups = manifest.get("allowed_groups") or []
    if not groups:
        raise InputError(f"Adapter {manifest['name']!r} has no allowed groups in its manifest")
    try:
        with db.administering() as conn:
            conn.execute(
                "INSERT INTO adapters (name, path, base_model, method, allowed_groups, manifest)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    manifest["name"],
                    str(Path(path).resolve()),
                    manifest["base_model"],
                    manifest["method"],
                    list(groups),
                    Jsonb(manifest),
                ),
            )
    except psycopg.errors.UniqueViolation as exc:
        raise InputError(
            f"An adapter named {manifest['name']!r} is already registered",
            hint="choose another --name, or pass --force to replace it",
        ) from exc
    return get(db, manifest["name"])


def replace(db: Database, path: Path, manifest: dict[str, Any]) -> RegisteredAdapter:
    """Register, replacing an earlier adapter of the same name (``--force``); activations of
    the old one are kept for the new one."""
    with db.administering() as conn:
        row = conn.execute(
            "SELECT array_agg(s.scope) FROM adapter_activations s JOIN adapters a"
            " ON a.id = s.adapter_id WHERE a.name = %s",
            (manifest["name"],),
        ).fetchone()
        conn.execute("DELETE FROM adapters WHERE name = %s", (manifest["name"],))
    scopes = list(row[0] or []) if row else []
    registered = register(db, path, manifest)
    for scope in scopes:
        activate(db, registered.name, domain=None if scope == GLOBAL else scope)
    return get(db, registered.name)


def is_registered(db: Database, name: str) -> bool:
    with db.administering() as conn:
        return (
            conn.execute("SELECT 1 FROM adapters WHERE name = %s", (name,)).fetchone() is not None
        )


def list_adapters(db: Database) -> list[RegisteredAdapter]:
    """Every registered adapter (administrative view: no access filter)."""
    with db.administering() as conn:
        rows = conn.execute(_LIST).fetchall()
    return [_row(r) for r in rows]


def get(db: Database, name: str) -> RegisteredAdapter:
    """One adapter by name (administrative view); NotFoundError when there is none."""
    with db.administering() as conn:
        row = conn.execute(_BY_NAME, (name,)).fetchone()
    if row is None:
        raise NotFoundError(
            f"No adapter named {name!r} is registered", hint="see ragtune adapters list"
        )
    return _row(row)


def activate(db: Database, name: str, *, domain: str | None = None) -> RegisteredAdapter:
    """Make ``name`` the active adapter for ``domain`` (None: globally), replacing the one
    active there before."""
    scope = GLOBAL if domain is None else domain
    if not scope.strip():
        raise InputError("The domain to activate for must not be empty")
    adapter = get(db, name)
    with db.administering() as conn:
        conn.execute(
            "INSERT INTO adapter_activations (scope, adapter_id)"
            " SELECT %s, id FROM adapters WHERE name = %s"
            " ON CONFLICT (scope) DO UPDATE SET adapter_id = EXCLUDED.adapter_id,"
            " activated_at = now()",
            (scope, adapter.name),
        )
    return get(db, name)


def deactivate(db: Database, name: str, *, domain: str | None = None) -> RegisteredAdapter:
    """Stop using ``name`` for ``domain`` (None: globally)."""
    scope = GLOBAL if domain is None else domain
    with db.administering() as conn:
        conn.execute(
            "DELETE FROM adapter_activations s USING adapters a"
            " WHERE s.adapter_id = a.id AND a.name = %s AND s.scope = %s",
            (name, scope),
        )
    return get(db, name)


def remove(db: Database, name: str) -> RegisteredAdapter:
    """Unregister ``name`` (its activations go with it); the files are left to the caller."""
    adapter = get(db, name)
    with db.administering() as conn:
        conn.execute("DELETE FROM adapters WHERE name = %s", (name,))
    return adapter


def usable_adapters(db: Database, principal: Principal) -> list[RegisteredAdapter]:
    """The adapters ``principal`` may use (row-level security filters by allowed groups)."""
    with db.reading(principal) as conn:
        rows = conn.execute(_LIST).fetchall()
    return [_row(r) for r in rows]


def active_adapter(
    db: Database, principal: Principal, domain: str | None = None
) -> RegisteredAdapter | None:
    """The adapter active for ``domain``, else the global one, among those ``principal`` may
    use (a restricted adapter is invisible to others, so they fall through); None if none."""
    scopes = [domain, GLOBAL] if domain else [GLOBAL]
    with db.reading(principal) as conn:
        for scope in scopes:
            row = conn.execute(_BY_SCOPE, (scope,)).fetchone()
            if row is not None:
                return _row(row)
    return None


def check_adapter_access(db: Database, principal: Principal, name: str) -> RegisteredAdapter:
    """The adapter ``name`` if ``principal`` may use it; PermissionDeniedError if it exists but
    is restricted, NotFoundError if it does not exist."""
    for adapter in usable_adapters(db, principal):
        if adapter.name == name:
            return adapter
    adapter = get(db, name)  # raises NotFoundError when it does not exist at all
    raise PermissionDeniedError(
        f"Adapter {name!r} was trained on data restricted to "
        f"{', '.join(adapter.allowed_groups)}; {principal.user} is in none of those groups",
        hint="ask an administrator for access, or use an adapter trained on public data",
    )


def record_activation(
    db: Database,
    name: str,
    *,
    scope: str = GLOBAL,
    forced: bool,
    by: str,
    evidence: dict[str, Any] | None = None,
) -> RegisteredAdapter:
    """Append an entry to ``name``'s activation log (kept in its manifest, shown by
    ``adapters show``): when, where, by whom, whether it bypassed the eval gate (``forced``),
    and the gate's evidence (eval runs, data sha256, feedback ids, base model)."""
    entry = {
        "at": _dt.datetime.now(_dt.UTC).isoformat(),
        "scope": scope,
        "forced": forced,
        "by": by,
        "evidence": evidence or {},
    }
    with db.administering() as conn:
        conn.execute(
            "UPDATE adapters SET manifest = jsonb_set(manifest, '{activation_log}',"
            " coalesce(manifest->'activation_log', '[]'::jsonb) || %s::jsonb) WHERE name = %s",
            (Jsonb([entry]), name),
        )
    return get(db, name)


def registry_version(db: Database) -> str:
    """A fingerprint of which adapter is active where and which adapters exist: it changes on
    every activation, deactivation, registration and replacement, so a running service can
    tell with one cheap query that it should look again (hot swap)."""
    with db.administering() as conn:
        row = conn.execute(
            "SELECT md5(coalesce((SELECT string_agg(s.scope || '=' || s.adapter_id || '@'"
            " || s.activated_at::text, ',' ORDER BY s.scope) FROM adapter_activations s), '')"
            " || '|' || coalesce((SELECT string_agg(a.id || ':' || a.name, ',' ORDER BY a.id)"
            " FROM adapters a), ''))"
        ).fetchone()
    return str(row[0]) if row else ""
