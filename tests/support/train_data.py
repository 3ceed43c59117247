"""A small slice of the sample Q&A pairs, so training tests run in seconds per step."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO

SAMPLE_QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"


def small_qa_file(folder: Path, per_domain: int = 8, restricted: bool = True) -> Path:
    """Up to ``per_domain`` pairs of each domain (restricted pairs kept when asked)."""
    rows = [json.loads(line) for line in SAMPLE_QA.read_text().splitlines() if line.strip()]
    picked: dict[str, list[dict]] = {}
    for row in rows:
        if not restricted and row.get("groups"):
            continue
        bucket = picked.setdefault(row.get("domain", "general"), [])
        if len(bucket) < per_domain:
            bucket.append(row)
    path = folder / "small_qa.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for rows_ in picked.values() for r in rows_))
    return path
