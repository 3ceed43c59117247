"""The judge registry: names from configuration to judges, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.judges import REGISTRY, CachedJudge, JudgeOptions, build_judge, judge_from_settings
from evals.judges.offline import DEFAULT_THRESHOLD, OfflineJudge
from indexes.embeddings import Embedder
from ragtune.errors import ConfigError
from ragtune.settings import Settings


def test_the_registry_names_every_judge() -> None:
    assert set(REGISTRY) == {"offline", "nli", "llm", "overlap"}


def test_unknown_judge_names_the_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        build_judge("oracle")
    assert "RAGTUNE_JUDGE" in caught.value.hint and "offline" in caught.value.hint


def test_offline_is_cached_and_calibrated(embedder: Embedder) -> None:
    judge = build_judge("offline", JudgeOptions(embedder=embedder))
    assert isinstance(judge, CachedJudge) and isinstance(judge.inner, OfflineJudge)
    assert judge.inner.threshold == DEFAULT_THRESHOLD
    assert judge.name == "offline"


def test_settings_reach_the_judge(embedder: Embedder, tmp_path: Path) -> None:
    settings = Settings(judge="overlap", judge_threshold=0.25, judge_cache_dir=tmp_path)
    judge = judge_from_settings(settings)
    assert isinstance(judge, CachedJudge) and judge.cache.directory == tmp_path
    assert judge.inner.fingerprint.endswith("t0.2500")
    assert judge_from_settings(settings, "offline", embedder=embedder).name == "offline"


def test_llm_without_a_generator_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="generator"):
        build_judge("llm")


def test_nli_without_a_model_names_the_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        build_judge("nli")
    assert "RAGTUNE_NLI_MODEL" in caught.value.hint
