"""What the chat's side panel shows for a citation: where it is from, then the passage as data.

The passage is rendered by ``agent.injection.for_display``: sentences that address an
assistant are gone, links show the host they point to as code (never clickable), images are
never loaded. Quotes come from the answer (already neutralised by the agent) or, on resume,
straight from the chunk table, so the panel neutralises them itself either way.
"""

from __future__ import annotations

from typing import Any

from agent.injection import for_display


def citation_text(citation: dict[str, Any], quote: str) -> str:
    """One citation as Markdown: source (bold), section and page, then the passage quoted."""
    where = [f"**{for_display(str(citation.get('source', '')))}**"]
    if citation.get("section"):
        where.append(for_display(str(citation["section"])))
    if citation.get("page"):
        where.append(f"page {citation['page']}")
    passage = "\n".join(f"> {line}" if line else ">" for line in for_display(quote).splitlines())
    return " — ".join(where) + "\n\n" + passage
