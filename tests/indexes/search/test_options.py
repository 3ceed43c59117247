"""The search tunables: the settings, with per-call overrides."""

from __future__ import annotations

from pathlib import Path

from indexes.search.options import search_options
from ragtune.settings import Settings


def test_search_options_come_from_the_settings_with_overrides(tmp_path: Path) -> None:
    settings = Settings(
        state_dir=tmp_path,
        search_text_budget=50,
        search_exact_docs=0,
        search_exact_fraction=0.5,
        hnsw_ef_search=64,
    )
    options = search_options(settings, k=3, mode="text")
    assert (options.text_budget, options.exact_docs, options.ef_search) == (50, 0, 64)
    assert options.exact_fraction == 0.5
    assert (options.k, options.mode, options.collection) == (3, "text", settings.collection)
