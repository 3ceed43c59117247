"""The settings object: sources, validation errors and secret handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.errors import ConfigError
from ragtune.settings import load_settings


def test_environment_overrides_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ragtune.toml"
    config.write_text('collection = "from-file"\nsearch_k = 9\n', encoding="utf-8")
    monkeypatch.setenv("RAGTUNE_CONFIG", str(config))
    monkeypatch.setenv("RAGTUNE_SEARCH_K", "7")
    settings = load_settings()
    assert settings.collection == "from-file"
    assert settings.search_k == 7


def test_database_url_is_read_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:s3cret@db.internal/rag")
    settings = load_settings()
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value().endswith("/rag")
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.redacted())


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGTUNE_SEARCH_K", "zero")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "search_k" in info.value.message


def test_unknown_keys_in_the_config_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ragtune.toml"
    config.write_text("serch_k = 3\n", encoding="utf-8")
    monkeypatch.setenv("RAGTUNE_CONFIG", str(config))
    with pytest.raises(ConfigError, match="serch_k"):
        load_settings()


def test_embedder_exports_go_to_one_cache_per_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every state dir reuses one export: the user's cache, unless a folder is configured.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    one = load_settings(state_dir=tmp_path / "a")
    two = load_settings(state_dir=tmp_path / "b")
    assert one.resolved_model_cache_dir() == two.resolved_model_cache_dir()
    assert one.resolved_model_cache_dir() == (tmp_path / "xdg" / "ragtune").resolve()
    monkeypatch.setenv("RAGTUNE_MODEL_CACHE_DIR", str(tmp_path / "models"))
    assert load_settings().resolved_model_cache_dir() == (tmp_path / "models").resolve()
