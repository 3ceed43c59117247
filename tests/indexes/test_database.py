"""The database layer against a real PostgreSQL: migrations, roles, row security, failures."""

from __future__ import annotations

import psycopg
import pytest

from indexes import migrations
from indexes.database import Database, open_database
from indexes.security import verify_row_security
from ragtune.errors import DatabaseError
from ragtune.principal import Principal


def test_migrations_are_recorded_and_idempotent(db: Database, database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        assert migrations.apply(conn) == []  # already applied by open_database
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in migrations.available()]


def test_app_pool_runs_as_unprivileged_role(db: Database) -> None:
    with db.reading(Principal("alice")) as conn:
        user, is_super, bypass = conn.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert user == "ragtune_app"
    assert not is_super and not bypass


def test_app_role_cannot_write_document_tables(db: Database) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.reading(Principal("a")) as conn:
        conn.execute("DELETE FROM chunks")


def _seed_one_document(db: Database, groups: list[str]) -> None:
    with db.administering() as conn:
        conn.execute("INSERT INTO collections (name, embed_model, embed_dim) VALUES ('c', 'm', 3)")
        conn.execute(
            "INSERT INTO documents (id, collection_id, path, source, title, format, content_hash,"
            " byte_size, n_chunks, allowed_groups) SELECT gen_random_uuid(), id, '/x', 'x', 'X',"
            " 'text', 'h', 1, 1, %s FROM collections",
            (groups,),
        )


def test_no_principal_means_no_rows(db: Database) -> None:
    _seed_one_document(db, ["everyone"])
    with db.app.connection() as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (0,)
    with db.reading(Principal("anyone")) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (1,)


def test_principal_setting_does_not_leak_to_next_transaction(db: Database) -> None:
    _seed_one_document(db, ["hr"])
    with db.reading(Principal("dana", frozenset({"hr"}))) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (1,)
    # The same pooled connection, reused without a principal, sees nothing.
    with db.app.connection() as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (0,)


def test_narrowing_can_only_remove_groups(db: Database) -> None:
    _seed_one_document(db, ["hr"])
    with db.reading(Principal("bob"), narrow_to=frozenset({"hr", "everyone"})) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (0,)


def test_startup_check_refuses_when_security_is_off(db: Database, database_url: str) -> None:
    with db.administering() as conn:
        conn.execute("ALTER TABLE chunks NO FORCE ROW LEVEL SECURITY")
    with db.app.connection() as conn, pytest.raises(DatabaseError, match="not in force"):
        verify_row_security(conn)
    with pytest.raises(DatabaseError, match="not in force"):
        open_database(database_url, pool_max=2, timeout_s=5)


def test_startup_check_refuses_a_superuser_app_connection(db: Database) -> None:
    with db.admin.connection() as conn, pytest.raises(DatabaseError, match="superuser"):
        verify_row_security(conn)


def test_database_down_gives_a_clear_error(tmp_path: object) -> None:
    url = f"postgresql://nobody@/ragtune?host={tmp_path}&port=1"
    with pytest.raises(DatabaseError) as info:
        open_database(url, timeout_s=1)
    assert "Cannot connect to PostgreSQL" in info.value.message
    assert "DATABASE_URL" in info.value.hint


def test_pgvector_version_requirement(db: Database) -> None:
    from indexes.database import check_pgvector, require_pgvector_version

    with db.admin.connection() as conn:
        check_pgvector(conn)  # the real server: 0.8.x passes
    require_pgvector_version("0.8.2")
    require_pgvector_version("1.0.0")
    with pytest.raises(DatabaseError, match=r"0\.7\.4 is too old") as info:
        require_pgvector_version("0.7.4")
    assert "ALTER EXTENSION vector UPDATE" in info.value.hint


def test_embedded_login_works_after_role_was_made_for_set_role(database_url: str) -> None:
    # An external-style open creates ragtune_app NOLOGIN; the embedded style must still work.
    from psycopg.conninfo import make_conninfo

    from indexes.database import APP_ROLE

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"ALTER ROLE {APP_ROLE} NOLOGIN")
    open_database(database_url, pool_max=2, timeout_s=5).close()
    database = open_database(
        database_url, app_conninfo=make_conninfo(database_url, user=APP_ROLE), timeout_s=5
    )
    with database.reading(Principal("a")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (APP_ROLE,)
    database.close()
