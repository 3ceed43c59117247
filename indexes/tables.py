"""Markdown tables as a reader needs them: each row with its column names, and the header a
chunk continues when it starts below it.

A row alone ("Top speed | 1.8 m/s | 1.5 m/s") does not say which value is whose. The sentence
splitter (indexes/sentences.py) reads each row after its header; a long table is cut into
several chunks, and every chunk after the first starts below the header, so the chunker
records the header lines it continues (``header_above``) and everything that reads a chunk
for its meaning (its embedding, the agent's quotes and checks) reads them before its rows
(``with_table_header``). Only pipe-led tables ("| a | b |") are tables here, as in the
splitter.
"""

from __future__ import annotations

import re

# A header's rule: cells of dashes, each with an optional colon either side ("|:--|--:|"),
# or a line that starts with three dashes (as before: a thematic break parts text too).
_RULE = re.compile(r"^\s*(?:\|?\s*:?-{3,}|\|\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$)")
_DASHES = re.compile(r"[-–—]+")  # an empty table cell, written as a dash


def is_rule(line: str) -> bool:
    """Whether ``line`` is a table's rule ("|---|:--:|"), the line under its header."""
    return bool(_RULE.match(line))


def is_row(line: str) -> bool:
    """Whether ``line`` is a table row (a rule is not)."""
    return line.lstrip().startswith("|") and not is_rule(line)


def cells(line: str) -> list[str]:
    """The cells of a table row, stripped."""
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table_row(row: list[str], header: list[str] | None) -> str:
    """A table row as one readable unit: each cell after its column's name ("Spec: Top speed;
    Stacker S6: 1.8 m/s; Stacker S4: 1.5 m/s") when the header is known and fits. A cell of
    only a dash says nothing and is left out. Without a header that fits, the cells as
    written, joined by " | "."""
    if header is None or len(header) != len(row):
        return " | ".join(c for c in row if c)
    said = [(h, c) for h, c in zip(header, row, strict=True) if c and not _DASHES.fullmatch(c)]
    return "; ".join(f"{h}: {c}" if h else c for h, c in said)


def header_above(text: str, start: int) -> str:
    """The header lines (header row, then rule) of the table that ``text[start:]`` starts
    inside, below them; "" when it starts elsewhere (or at the header itself).

    The chunker calls it with each chunk's start; the lines are copied from ``text``.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    below = text[line_start : len(text) if line_end < 0 else line_end]
    if not (is_row(below) or is_rule(below)):
        return ""
    starts_at_rule = is_rule(below)
    # Up through the table's lines, one at a time (a document has many chunks), to the row
    # above its rule.
    end = line_start - 1
    while end >= 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end]
        if is_row(line) and is_rule(below):
            if end == line_start - 1 and starts_at_rule:
                return line.strip()  # the chunk has the rule already
            return f"{line.strip()}\n{below.strip()}"
        if not (is_row(line) or is_rule(line)):
            return ""
        below, end = line, begin - 1
    return ""


def with_table_header(header: str, text: str) -> str:
    """``text`` as read for its meaning: the table header it continues, then its own lines."""
    return f"{header}\n{text}" if header else text
