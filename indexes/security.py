"""The start-up check that row-level security really protects document text.

ragtune refuses to serve reads when any of these is false: the app role is not a superuser,
cannot bypass RLS and owns none of the text tables; RLS is enabled and forced on them; and a
connection without a principal reads no rows.
"""

from __future__ import annotations

import psycopg

from ragtune.errors import DatabaseError

TEXT_TABLES = ("documents", "chunks")


def verify_row_security(app_conn: psycopg.Connection) -> None:
    """Raise DatabaseError unless the app connection is confined by row-level security."""
    role = app_conn.execute(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert role is not None
    user, is_super, bypasses = role
    if is_super or bypasses:
        raise DatabaseError(
            f"The application role {user} is a superuser or has BYPASSRLS",
            hint="ragtune_app must be an ordinary role; do not grant it SUPERUSER or BYPASSRLS",
        )
    for table in TEXT_TABLES:
        row = app_conn.execute(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)"
            " FROM pg_class c WHERE c.oid = to_regclass(%s)",
            (table,),
        ).fetchone()
        if row is None:
            raise DatabaseError(f"Table {table} is missing", hint="run ragtune db migrate")
        enabled, forced, owner = row
        if not (enabled and forced):
            raise DatabaseError(
                f"Row-level security is not in force on {table}",
                hint="run ragtune db migrate; never disable RLS on ragtune tables",
            )
        if owner == user:
            raise DatabaseError(
                f"The application role {user} owns {table} and could bypass row security",
                hint="connect the app as ragtune_app, not as the table owner",
            )
        # Fail closed: outside reading(principal) nothing is visible.
        with app_conn.transaction():
            app_conn.execute("SELECT set_config('ragtune.principal_groups', '', true)")
            leaked = app_conn.execute(
                psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(table))
            ).fetchone()
        if leaked is None or leaked[0] != 0:
            raise DatabaseError(
                f"Rows of {table} are visible without a principal",
                hint="the row-level security policies were changed; run ragtune db migrate",
            )
