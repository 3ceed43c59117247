"""``run.json``: the whole run record, the file ``--baseline`` reads back."""

from __future__ import annotations

import json

from evals.runs.record import RunRecord


def render_json(run: RunRecord) -> str:
    """The run record as indented JSON (UTF-8 kept readable, not escaped)."""
    return json.dumps(run.to_json(), ensure_ascii=False, indent=2) + "\n"
