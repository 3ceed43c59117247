"""The domain-adapter tool's permission checks on a real registry: a restricted adapter is
refused before anything is generated, an unknown one is not found, and the active adapter is
the one the caller may use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generation import adapter_registry as registry
from generation.generator import ChatMessage, GenerationParams
from indexes.database import Database
from ragtune.errors import NotFoundError, PermissionDeniedError
from ragtune.principal import Principal
from tests.support.fixed_reply import FixedReply
from tools.adapter import choose_adapter, generate_with_adapter, make_adapter_tool

EMPLOYEE = Principal("erin")
HR = Principal("dana", frozenset({"hr"}))
PARAMS = GenerationParams(max_new_tokens=16)


def _manifest(name: str, groups: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "base_model": "smollm2-135m",
        "method": "lora",
        "allowed_groups": groups,
        "rank": 8,
        "target_modules": ["q_proj", "v_proj"],
        "evaluation": {"val_loss": 1.0},
    }


@pytest.fixture
def adapters(db: Database, tmp_path: Path) -> Database:
    """``quillmark`` (everyone, active globally) and ``hr-terms`` (hr only, active for hr)."""
    registry.register(db, tmp_path / "quillmark", _manifest("quillmark", ["everyone"]))
    registry.register(db, tmp_path / "hr-terms", _manifest("hr-terms", ["hr"]))
    registry.activate(db, "quillmark")
    registry.activate(db, "hr-terms", domain="hr")
    return db


def test_choose_adapter_by_name_checks_the_callers_groups(adapters: Database) -> None:
    assert choose_adapter(adapters, HR, "hr-terms").name == "hr-terms"
    assert choose_adapter(adapters, EMPLOYEE, "quillmark").name == "quillmark"
    with pytest.raises(PermissionDeniedError, match="restricted to hr; erin is in none"):
        choose_adapter(adapters, EMPLOYEE, "hr-terms")
    with pytest.raises(NotFoundError):
        choose_adapter(adapters, HR, "no-such-adapter")


def test_choose_adapter_without_a_name_takes_the_active_one(adapters: Database) -> None:
    assert choose_adapter(adapters, EMPLOYEE).name == "quillmark"
    assert choose_adapter(adapters, HR, domain="hr").name == "hr-terms"
    # The hr domain's adapter is invisible to others: they get the global one.
    assert choose_adapter(adapters, EMPLOYEE, domain="hr").name == "quillmark"


def test_no_active_adapter_is_not_found(db: Database, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="No domain adapter is active for you") as raised:
        choose_adapter(db, EMPLOYEE)
    assert "ragtune adapters activate" in raised.value.hint
    # Only a restricted adapter is active: for an outsider there is none.
    registry.register(db, tmp_path / "hr-terms", _manifest("hr-terms", ["hr"]))
    registry.activate(db, "hr-terms")
    with pytest.raises(NotFoundError, match="in domain 'hr'"):
        choose_adapter(db, EMPLOYEE, domain="hr")
    assert choose_adapter(db, HR).name == "hr-terms"


def test_tool_refuses_a_restricted_adapter_before_generating(adapters: Database) -> None:
    generator = FixedReply("should never be generated")
    tool = make_adapter_tool(adapters, generator, EMPLOYEE, PARAMS)  # type: ignore[arg-type]
    with pytest.raises(PermissionDeniedError, match="hr-terms"):
        tool.invoke({"question": "What is a pay band?", "adapter": "hr-terms"})
    with pytest.raises(NotFoundError):
        tool.invoke({"question": "What is a pay band?", "adapter": "missing"})
    with pytest.raises(PermissionDeniedError):
        generate_with_adapter(
            adapters,
            generator,  # type: ignore[arg-type]
            EMPLOYEE,
            [ChatMessage(role="user", content="What is a pay band?")],
            PARAMS,
            name="hr-terms",
        )
    assert generator.calls == []


def test_tool_generates_with_the_permitted_adapter(adapters: Database) -> None:
    generator = FixedReply("A dock cycle is one complete loading task.")
    tool = make_adapter_tool(adapters, generator, HR, PARAMS)  # type: ignore[arg-type]
    assert tool.name == "ask_domain_adapter"
    assert tool.invoke({"question": "What is a dock cycle?"}) == generator.text
    assert tool.invoke({"question": "What is a pay band?", "domain": "hr"}) == generator.text
    used = [params.adapter for _, params in generator.calls if params is not None]
    assert used == ["quillmark", "hr-terms"]
    messages, params = generator.calls[0]
    assert messages == [ChatMessage(role="user", content="What is a dock cycle?")]
    assert params is not None and params.max_new_tokens == PARAMS.max_new_tokens
