"""Judges shared by the eval tests (real models: the bundled MiniLM)."""

from __future__ import annotations

import pytest

from evals.judges.offline import OfflineJudge
from indexes.embeddings import Embedder


@pytest.fixture(scope="session")
def offline_judge(embedder: Embedder) -> OfflineJudge:
    """The offline judge with its calibrated threshold (uncached: tests see raw verdicts)."""
    return OfflineJudge(embedder)
