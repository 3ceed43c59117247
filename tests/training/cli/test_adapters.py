"""``ragtune adapters`` as a user runs it, against a real PostgreSQL: list, show (--json),
activate, remove (an active one too), permissions by training groups, and merge.

Adapters are real peft folders (safetensors, adapter_config.json, manifest.json) written by
ragtune's own writer from a tiny randomly initialised Phi-3, then registered the way
``ragtune train`` registers them; merge runs on the bundled SmolLM2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generation import adapter_registry as registry
from generation.adapters import MANIFEST
from indexes.database import Database
from tests.support.lora_factory import make_adapter, tiny_phi3
from training.cli.adapters import adapters_app

TINY_PHI3_TARGETS = ["down_proj", "gate_up_proj", "o_proj", "qkv_proj"]


@pytest.fixture(scope="module")
def tiny_model() -> Any:
    """A two-layer Phi3ForCausalLM with random weights: enough for peft to write adapters."""
    return tiny_phi3(64)


def _trained(
    db: Database, model: Any, folder: Path, groups: list[str], val_loss: float = 1.25
) -> Path:
    """Write an adapter folder with a training-style manifest and register it."""
    make_adapter(model, folder, base_model="tiny-phi3", targets=TINY_PHI3_TARGETS, rank=4)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest |= {
        "method": "lora",
        "allowed_groups": groups,
        "evaluation": {"val_loss": val_loss, "answer_f1": {"base": 0.1, "adapter": 0.4}},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    registry.register(db, folder, manifest)
    return folder


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RAGTUNE_STATE_DIR", str(tmp_path / "state"))
    # Settings come from the defaults, not from a developer's ragtune.toml.
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    return CliRunner()


@pytest.fixture
def two_adapters(db: Database, tiny_model: Any, tmp_path: Path) -> dict[str, Path]:
    """``glossary`` (trained on public pairs) and ``hr-terms`` (trained on hr-only pairs)."""
    return {
        "glossary": _trained(db, tiny_model, tmp_path / "adapters" / "glossary", ["everyone"]),
        "hr-terms": _trained(db, tiny_model, tmp_path / "adapters" / "hr-terms", ["hr"], 0.9),
    }


def test_list_text_and_json(cli: CliRunner, two_adapters: dict[str, Path]) -> None:
    shown = cli.invoke(adapters_app, ["list"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["glossary", "hr-terms"]
    assert "lora  base=tiny-phi3  groups=hr  active=-  val_loss=0.9  f1=0.4" in lines[1]

    as_json = cli.invoke(adapters_app, ["list", "--json"])
    listed = json.loads(as_json.stdout)
    assert [a["name"] for a in listed] == ["glossary", "hr-terms"]
    assert listed[1]["path"] == str(two_adapters["hr-terms"].resolve())


def test_show_json_is_the_manifest_plus_path(cli: CliRunner, two_adapters: dict[str, Path]) -> None:
    result = cli.invoke(adapters_app, ["show", "hr-terms", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    manifest = json.loads((two_adapters["hr-terms"] / MANIFEST).read_text())
    assert {k: shown[k] for k in manifest} == manifest
    assert shown["path"] == str(two_adapters["hr-terms"].resolve())
    assert shown["allowed_groups"] == ["hr"] and shown["active_scopes"] == []
    assert set(shown) - set(manifest) == {"path", "active_scopes", "registered_at"}

    text = cli.invoke(adapters_app, ["show", "glossary"])
    assert text.stdout.splitlines()[:2] == [
        "glossary: lora adapter on tiny-phi3",
        f"path: {two_adapters['glossary'].resolve()}",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["show", "nope"],
        ["show", "nope", "--json"],
        ["activate", "nope"],
        ["remove", "nope"],
        ["merge", "nope", "--out", "merged"],
    ],
)
def test_unknown_name_is_a_clear_error(
    cli: CliRunner, two_adapters: dict[str, Path], args: list[str]
) -> None:
    result = cli.invoke(adapters_app, args)
    assert result.exit_code == 4  # NotFoundError
    assert result.stdout == ""
    assert "error: No adapter named 'nope' is registered" in result.stderr
    assert "hint: see ragtune adapters list" in result.stderr


def test_activate_globally_and_per_domain_then_off(
    cli: CliRunner, two_adapters: dict[str, Path]
) -> None:
    refused = cli.invoke(adapters_app, ["activate", "glossary"])
    assert refused.exit_code == 2 and "bypasses the eval gate" in refused.stderr
    assert "ragtune adapters promote glossary" in refused.stderr
    first = cli.invoke(adapters_app, ["activate", "glossary", "--force", "--reason", "outage"])
    assert first.exit_code == 0 and "glossary active globally; active: global" in first.stdout
    cli.invoke(adapters_app, ["activate", "hr-terms", "--domain", "hr", "--force"])
    took_over = cli.invoke(adapters_app, ["activate", "hr-terms", "--force"])
    assert "hr-terms active globally; active: global, hr" in took_over.stdout
    listed = {a["name"]: a for a in json.loads(cli.invoke(adapters_app, ["list", "--json"]).stdout)}
    assert listed["glossary"]["active_scopes"] == [] and listed["hr-terms"]["active_scopes"] == [
        "*",
        "hr",
    ]
    off = cli.invoke(adapters_app, ["activate", "hr-terms", "--off"])
    assert off.exit_code == 0 and "hr-terms deactivated globally; active: hr" in off.stdout
    empty = cli.invoke(adapters_app, ["activate", "glossary", "--domain", " ", "--force"])
    assert empty.exit_code == 2 and "must not be empty" in empty.stderr
    # The forced activation is in the adapter's lineage, with its reason.
    shown = cli.invoke(adapters_app, ["show", "glossary"]).stdout
    assert "FORCED (no gate)" in shown and "reason: outage" in shown


def test_removing_the_active_adapter(
    cli: CliRunner, db: Database, two_adapters: dict[str, Path]
) -> None:
    from ragtune.principal import Principal

    cli.invoke(adapters_app, ["activate", "glossary", "--force"])
    cli.invoke(adapters_app, ["activate", "glossary", "--domain", "support", "--force"])
    result = cli.invoke(adapters_app, ["remove", "glossary"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "removed glossary (it was active: global, support)"
    # Its activations went with it: nobody falls back to a removed adapter.
    assert registry.active_adapter(db, Principal("bob"), "support") is None
    assert two_adapters["glossary"].is_dir()  # files stay unless asked
    names = [a["name"] for a in json.loads(cli.invoke(adapters_app, ["list", "--json"]).stdout)]
    assert names == ["hr-terms"]
    assert cli.invoke(adapters_app, ["show", "glossary"]).exit_code == 4


def test_remove_with_delete_files(cli: CliRunner, two_adapters: dict[str, Path]) -> None:
    folder = two_adapters["hr-terms"]
    result = cli.invoke(adapters_app, ["remove", "hr-terms", "--delete-files"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"removed hr-terms and deleted {folder.resolve()}"
    assert not folder.exists()


def test_delete_files_refuses_a_folder_that_is_not_an_adapter(
    cli: CliRunner, db: Database, two_adapters: dict[str, Path]
) -> None:
    (two_adapters["glossary"] / MANIFEST).unlink()  # e.g. registered with a wrong --out
    result = cli.invoke(adapters_app, ["remove", "glossary", "--delete-files"])
    assert result.exit_code == 2
    assert "does not look like an adapter folder" in result.stderr
    assert two_adapters["glossary"].is_dir() and registry.is_registered(db, "glossary")


def test_restricted_adapter_is_listed_and_shown_only_to_its_groups(
    cli: CliRunner, two_adapters: dict[str, Path]
) -> None:
    def names(*who: str) -> list[str]:
        result = cli.invoke(adapters_app, ["list", *who, "--json"])
        assert result.exit_code == 0, result.output
        return [a["name"] for a in json.loads(result.stdout)]

    assert names() == ["glossary", "hr-terms"]  # the administrator's view
    assert names("--user", "bob") == ["glossary"]
    assert names("--user", "bob", "--groups", "finance") == ["glossary"]
    assert names("--user", "dana", "--groups", "hr") == ["glossary", "hr-terms"]

    denied = cli.invoke(adapters_app, ["show", "hr-terms", "--user", "bob", "--json"])
    assert denied.exit_code == 5 and denied.stdout == ""  # PermissionDeniedError
    assert "trained on data restricted to hr; bob is in none of those groups" in denied.stderr
    allowed = cli.invoke(adapters_app, ["show", "hr-terms", "--groups", "hr", "--json"])
    assert allowed.exit_code == 0 and json.loads(allowed.stdout)["name"] == "hr-terms"
    missing = cli.invoke(adapters_app, ["show", "nope", "--user", "bob"])
    assert missing.exit_code == 4
    bad = cli.invoke(adapters_app, ["list", "--groups", "h r"])
    assert bad.exit_code == 2 and "Invalid group name" in bad.stderr


@pytest.mark.slow
def test_merge_writes_a_model_and_reports_parity(
    cli: CliRunner, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generation.base_models import DEFAULT_MODEL, load_model
    from tests.support.model_cache import converted_state_dir

    state = converted_state_dir()
    monkeypatch.setenv("RAGTUNE_STATE_DIR", str(state))  # where the converted base is cached
    base = load_model(DEFAULT_MODEL, state_dir=state)
    folder = tmp_path / "smol-style"
    make_adapter(base.model, folder, base_model=DEFAULT_MODEL, targets=["q_proj", "v_proj"])
    manifest = json.loads((folder / MANIFEST).read_text()) | {
        "method": "lora",
        "allowed_groups": ["everyone"],
    }
    registry.register(db, folder, manifest)

    out = tmp_path / "merged"
    result = cli.invoke(adapters_app, ["merge", "smol-style", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True and report["max_abs_logit_diff"] <= report["tolerance"]
    assert (out / "model.safetensors").is_file() and (out / "ragtune-merge.json").is_file()
    again = cli.invoke(adapters_app, ["merge", "smol-style", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.stderr
