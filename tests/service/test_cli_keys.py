"""``ragtune keys create|list|revoke`` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ragtune.cli import app
from service.keys import authenticate
from tests.conftest import opened


def test_create_list_revoke(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "RAGTUNE_STATE_DIR": str(tmp_path)}
    made = runner.invoke(
        app, ["keys", "create", "--user", "dana", "--groups", "hr,finance", "--json"], env=env
    )
    assert made.exit_code == 0, made.output
    body = json.loads(made.stdout)
    assert list(body) == ["key", "user", "groups"]
    assert body["user"] == "dana" and body["groups"] == ["finance", "hr"]
    token = body["key"]

    listed = runner.invoke(app, ["keys", "list", "--json"], env=env)
    keys = json.loads(listed.stdout)
    assert len(keys) == 1 and keys[0]["user"] == "dana" and keys[0]["admin"] is False
    assert token not in listed.stdout and keys[0]["prefix"] == token[:11]

    with opened(database_url) as db:
        found = authenticate(db, token)
        assert found is not None and found.principal.groups == frozenset({"hr", "finance"})

    plain = runner.invoke(app, ["keys", "create", "--user", "ops", "--admin"], env=env)
    assert plain.exit_code == 0 and plain.stdout.strip().startswith("rt_")

    revoked = runner.invoke(app, ["keys", "revoke", keys[0]["prefix"]], env=env)
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    with opened(database_url) as db:
        assert authenticate(db, token) is None
    assert len(json.loads(runner.invoke(app, ["keys", "list", "--json"], env=env).stdout)) == 1
    everything = runner.invoke(app, ["keys", "list", "--all", "--json"], env=env)
    assert [k["revoked"] for k in json.loads(everything.stdout)] == [True, False]

    missing = runner.invoke(app, ["keys", "revoke", "rt_nothing"], env=env)
    assert missing.exit_code != 0
    bad_user = runner.invoke(app, ["keys", "create", "--user", "no spaces"], env=env)
    assert bad_user.exit_code != 0
