"""The adapter registry on a real Postgres: groups restrict use, one active adapter per scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation import adapter_registry as registry
from indexes.database import Database
from ragtune.errors import InputError, NotFoundError, PermissionDeniedError
from ragtune.principal import Principal


def _manifest(name: str, groups: list[str]) -> dict:
    return {
        "name": name,
        "base_model": "smollm2-135m",
        "method": "qlora",
        "allowed_groups": groups,
        "rank": 16,
        "target_modules": ["q_proj"],
        "evaluation": {"val_loss": 1.0},
    }


def test_register_show_activate_remove(db: Database, tmp_path: Path) -> None:
    registry.register(db, tmp_path / "pub", _manifest("pub", ["everyone"]))
    with pytest.raises(InputError, match="already registered"):
        registry.register(db, tmp_path / "pub", _manifest("pub", ["everyone"]))
    shown = registry.get(db, "pub").show()
    assert shown["path"] == str((tmp_path / "pub").resolve()) and shown["rank"] == 16

    registry.register(db, tmp_path / "hr", _manifest("hr-terms", ["hr"]))
    registry.activate(db, "pub")
    registry.activate(db, "hr-terms", domain="hr")
    assert registry.get(db, "pub").active_scopes == ("*",)
    registry.activate(db, "hr-terms")  # takes the global scope over from pub
    assert registry.get(db, "pub").active_scopes == ()
    assert registry.get(db, "hr-terms").active_scopes == ("*", "hr")
    assert [a.name for a in registry.list_adapters(db)] == ["hr-terms", "pub"]

    registry.remove(db, "hr-terms")
    with pytest.raises(NotFoundError):
        registry.get(db, "hr-terms")
    with pytest.raises(NotFoundError):
        registry.activate(db, "nope")


def test_restricted_adapter_only_for_its_groups(db: Database, tmp_path: Path) -> None:
    registry.register(db, tmp_path / "pub", _manifest("pub", ["everyone"]))
    registry.register(db, tmp_path / "hr", _manifest("hr-terms", ["hr"]))
    registry.activate(db, "pub")
    registry.activate(db, "hr-terms", domain="hr")
    alice, bob = Principal("alice", frozenset({"hr"})), Principal("bob")

    assert [a.name for a in registry.usable_adapters(db, alice)] == ["hr-terms", "pub"]
    assert [a.name for a in registry.usable_adapters(db, bob)] == ["pub"]
    assert registry.check_adapter_access(db, alice, "hr-terms").name == "hr-terms"
    with pytest.raises(PermissionDeniedError, match="restricted to hr"):
        registry.check_adapter_access(db, bob, "hr-terms")
    with pytest.raises(NotFoundError):
        registry.check_adapter_access(db, bob, "missing")
    # The hr domain's adapter is invisible to bob, who falls back to the global one.
    active_for_alice = registry.active_adapter(db, alice, "hr")
    active_for_bob = registry.active_adapter(db, bob, "hr")
    assert active_for_alice is not None and active_for_alice.name == "hr-terms"
    assert active_for_bob is not None and active_for_bob.name == "pub"


def test_replace_keeps_activations(db: Database, tmp_path: Path) -> None:
    registry.register(db, tmp_path / "a", _manifest("a", ["everyone"]))
    registry.activate(db, "a", domain="glossary")
    new = registry.replace(db, tmp_path / "a2", _manifest("a", ["everyone"]))
    assert new.active_scopes == ("glossary",) and new.path == (tmp_path / "a2").resolve()


def test_the_version_changes_with_every_activation_and_the_log_keeps_evidence(
    db: Database, tmp_path: Path
) -> None:
    empty = registry.registry_version(db)
    registry.register(db, tmp_path / "a", _manifest("a", ["everyone"]))
    registry.register(db, tmp_path / "b", _manifest("b", ["everyone"]))
    registered = registry.registry_version(db)
    assert registered != empty and registry.registry_version(db) == registered
    registry.activate(db, "a")
    first = registry.registry_version(db)
    registry.activate(db, "b")
    second = registry.registry_version(db)
    registry.activate(db, "a")
    assert len({registered, first, second, registry.registry_version(db)}) == 4

    registry.record_activation(db, "a", forced=True, by="ops", evidence={"reason": "outage"})
    registry.record_activation(db, "a", forced=False, by="ci", evidence={"data_sha256": "ab"})
    log = registry.get(db, "a").manifest["activation_log"]
    assert [(e["forced"], e["by"]) for e in log] == [(True, "ops"), (False, "ci")]
    assert log[1]["evidence"] == {"data_sha256": "ab"} and log[0]["scope"] == "*"
