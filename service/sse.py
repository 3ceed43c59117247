"""Server-sent events: one ``event:``/``data:`` block per agent event, JSON data."""

from __future__ import annotations

import json
from typing import Any

KEEPALIVE = ": keep-alive\n\n"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
MEDIA_TYPE = "text/event-stream"


def sse_event(event: str, data: Any) -> str:
    """One event; the JSON is on one line, so it is one ``data:`` field."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_data(data: Any) -> str:
    """An unnamed event (the OpenAI streaming format)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {payload}\n\n"
