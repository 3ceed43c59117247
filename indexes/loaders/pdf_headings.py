"""A PDF's headings and its running lines, read from the fonts and the repeats of its pages.

A PDF holds no headings, only text in fonts of some size. A line set larger than the body
text (the size most of the characters are set in), or in a bold face and numbered like a
section ("4.2 Manual speed"), is a heading: it becomes a Markdown heading, its level given by
its size (the largest first), so the chunker names each chunk's section as it does for
Markdown, Word and HTML. A line that opens or closes most pages (a running header or footer:
the document's name, "Page 3 of 6") says nothing about the page it is on, and is dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from indexes.loaders.font_headings import FontLine, Heading

# A line among the first or last this many lines of a page that repeats (its numbers aside)
# on at least ``RUNNING_SHARE`` of the pages, and on three or more, is a running line.
RUNNING_LINES = 2
RUNNING_SHARE = 0.6

_BOLD = re.compile(r"bold|black|heavy|demi", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


def font_lines(page: Any) -> list[FontLine]:
    """The lines of a pypdf page, each with the size its text is set in (scaled as drawn)."""
    runs: list[tuple[float, str, float, bool]] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        scale = math.sqrt(abs(tm[0] * tm[3] - tm[1] * tm[2]))
        scale *= math.sqrt(abs(cm[0] * cm[3] - cm[1] * cm[2]))
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str(font.get("/BaseFont", "")) if font else ""
        runs.append((y, text, size * scale, bool(_BOLD.search(name))))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:  # noqa: BLE001 - a page pypdf cannot walk has no headings to give
        return []
    lines: list[FontLine] = []
    group: list[tuple[float, str, float, bool]] = []
    for run in [*runs, (math.nan, "", 0.0, False)]:
        if group and not abs(run[0] - group[-1][0]) <= 1.0:
            text = " ".join("".join(r[1] for r in group).split())
            if text:
                lines.append(FontLine(text, max(r[2] for r in group), all(r[3] for r in group)))
            group = []
        group.append(run)
    return lines


def _key(line: str) -> str:
    """A line as a running line is compared ("Page # of #"); "" for a table row, which a
    table ending each page ("| Total | 40 |") repeats and is never a running line."""
    folded = " ".join(line.split())
    return "" if folded.startswith("|") else _DIGITS.sub("#", folded)


def running_lines(page_texts: Sequence[str]) -> set[str]:
    """The lines (numbers read as "#") that open or close most pages: running headers and
    footers."""
    with_text = [t for t in page_texts if t.strip()]
    seen: Counter[str] = Counter()
    for text in with_text:
        lines = [line for line in text.splitlines() if line.strip()]
        ends = lines[:RUNNING_LINES] + lines[-RUNNING_LINES:]
        seen.update({_key(line) for line in ends})
    needed = max(3, math.ceil(RUNNING_SHARE * len(with_text)))
    return {key for key, n in seen.items() if key and n >= needed}


def with_headings(text: str, found: Sequence[Heading], running: set[str]) -> str:
    """A page's text without its running lines at either end, with each heading marked as a
    Markdown heading of its level (a heading drawn on two lines becomes one)."""
    lines = text.splitlines()
    kept = [i for i, line in enumerate(lines) if line.strip()]
    drop = {i for i in kept[:RUNNING_LINES] + kept[-RUNNING_LINES:] if _key(lines[i]) in running}
    folded = [" ".join(line.split()) for line in lines]
    pending = list(found)  # each heading marks one line, the first that reads as it
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in drop:
            i += 1
            continue
        heading = next(
            (
                h
                for h in pending
                if not folded[i].startswith(("#", "|"))
                and (
                    folded[i] == " ".join(h.lines) or folded[i : i + len(h.lines)] == list(h.lines)
                )
            ),
            None,
        )
        if heading is None:
            out.append(lines[i])
            i += 1
            continue
        pending.remove(heading)
        out.append(f"{'#' * heading.level} {' '.join(heading.lines)}")
        i += 1 if folded[i] == " ".join(heading.lines) else len(heading.lines)
    return "\n".join(out).strip()
