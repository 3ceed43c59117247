"""The HTTP API's surface is pinned: /openapi.json (every route, body and response schema).

Regenerate on purpose with ``RAGTUNE_UPDATE_SNAPSHOTS=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi.testclient import TestClient

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "openapi.json"


def test_openapi_is_unchanged(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    if os.environ.get("RAGTUNE_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(spec, indent=1, sort_keys=True) + "\n")
    pinned = json.loads(SNAPSHOT.read_text())
    assert sorted(spec["paths"]) == sorted(pinned["paths"]), "routes were added or removed"
    assert spec == pinned
