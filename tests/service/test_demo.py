"""The demo's adapter: trained on pairs every demo user may read, so the gate's eval user and
the employee demo key can both use it."""

from __future__ import annotations

import json
from pathlib import Path

from service.demo import SAMPLE_QA, public_pairs


def test_the_demo_adapter_trains_on_public_pairs_only(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in SAMPLE_QA.read_text().splitlines() if line.strip()]
    restricted = [r["id"] for r in rows if r.get("groups")]
    assert restricted  # the sample file has hr and finance pairs the demo must leave out
    out = tmp_path / "public.jsonl"
    kept = public_pairs(SAMPLE_QA, out)
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert kept == len(written) == len(rows) - len(restricted)
    assert not any(r.get("groups") for r in written)
    assert {r["id"] for r in written} == {r["id"] for r in rows} - set(restricted)
