"""Building a real Agent for tests: the sample corpus database, the bundled embedder, the
offline judge, and (only where a test generates) the converted SmolLM2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.runtime import Agent
from evals.judges.registry import JudgeOptions, build_judge
from generation.generator import Generator
from indexes.database import Database
from indexes.embeddings import Embedder
from ragtune.settings import Settings


def agent_settings(state_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test agent: its own state dir, no model downloads."""
    values: dict[str, Any] = {"state_dir": state_dir, "allow_model_download": False}
    values.update(overrides)
    return Settings(**values)


def make_agent(
    settings: Settings, db: Database, embedder: Embedder, generator: Generator | None = None
) -> Agent:
    """An Agent sharing the test's database and embedder (the caller closes both)."""
    judge = build_judge("offline", JudgeOptions(embedder=embedder))
    return Agent(settings, db, embedder, judge, generator)
