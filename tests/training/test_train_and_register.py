"""The train command's workflow as a library call: data check, training on a tiny Phi-3, and
the registry row, with the refusals that come before any training."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation import adapter_registry as registry
from indexes.database import Database
from ragtune.errors import InputError
from ragtune.settings import Settings, load_settings
from tests.support.train_data import small_qa_file
from training.data.report import DataCheckReport
from training.train_and_register import train_and_register
from training.train_config import TrainOptions

FAST = TrainOptions(
    method="lora",
    max_steps=2,
    batch_size=2,
    grad_accum=1,
    max_seq_tokens=48,
    f1_items=0,
    gradient_checkpointing=False,
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RAGTUNE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RAGTUNE_DATA_VALIDATION_FRACTION", "0.2")
    return load_settings()


@pytest.fixture(scope="module")
def qa_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_qa_file(tmp_path_factory.mktemp("qa"), per_domain=5)


def test_checks_trains_registers_and_then_refuses_the_taken_name(
    settings: Settings, db: Database, qa_file: Path, tiny_base: str
) -> None:
    reports: list[DataCheckReport] = []
    result = train_and_register(
        settings, qa_file, "tiny", FAST, base=tiny_base, on_checked=reports.append
    )
    assert len(reports) == 1 and reports[0].ok
    assert result.path == settings.resolved_state_dir() / "adapters" / "tiny"
    assert registry.get(db, "tiny").path == result.path
    assert result.manifest["base_model"] == tiny_base
    with pytest.raises(InputError, match="already registered") as refused:
        train_and_register(settings, qa_file, "tiny", FAST, base=tiny_base)
    assert "--force" in refused.value.hint


def test_without_register_only_the_folder_is_written(
    settings: Settings, db: Database, qa_file: Path, tiny_base: str, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere"
    result = train_and_register(
        settings, qa_file, "loose", FAST, base=tiny_base, out=out, register=False
    )
    assert result.path == out.resolve() and (out / "manifest.json").is_file()
    assert not registry.is_registered(db, "loose")


def test_a_bad_name_or_option_is_refused_before_the_database_is_opened(
    qa_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("RAGTUNE_CONFIG", str(tmp_path / "none.toml"))
    settings = load_settings()
    with pytest.raises(InputError, match="Invalid adapter name"):
        train_and_register(settings, qa_file, "bad.name", FAST)
    with pytest.raises(InputError, match="rank must be at least 1"):
        train_and_register(settings, qa_file, "ok", TrainOptions(rank=0))
