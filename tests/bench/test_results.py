"""Benchmark results are written as JSON whatever configuration objects they carry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import results


def test_sets_in_a_result_are_written_as_sorted_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    path = results.write_result("probe", {"config": {"draft_routes": frozenset({"rag", "both"})}})
    assert json.loads(path.read_text()) == {"config": {"draft_routes": ["both", "rag"]}}
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        results.write_result("probe", {"bad": object()})
