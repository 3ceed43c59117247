"""Markdown tables as a reader needs them: each row with its column names, and the header a
chunk continues when it starts below it.

A row alone ("Top speed | 1.8 m/s | 1.5 m/s") does not say which value is whose. The sentence
splitter (indexes/sentences.py) reads each row after its header; a long table is cut into
several chunks, and every chunk after the first starts below the header, so the chunker
records the header lines it continues (``TableHeaders``) and everything that reads a chunk
for its meaning (its sentence runs, the agent's passage, quotes and checks) reads them first
(``with_table_header``). Only pipe-led tables ("| a | b |") are tables here, as in the
splitter.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

# A header's rule: cells of dashes, each with an optional colon either side ("|:--|--:|"),
# or a line that starts with three dashes (as before: a thematic break parts text too).
_RULE = re.compile(r"^\s*(?:\|?\s*:?-{3,}|\|\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$)")
_DASHES = re.compile(r"[-–—]+")  # an empty table cell, written as a dash
_CELL_BREAK = re.compile(r"(?<!\\)\|")  # a pipe that parts cells; "\|" is a pipe inside one


def is_rule(line: str) -> bool:
    """Whether ``line`` is a table's rule ("|---|:--:|"), the line under its header."""
    return bool(_RULE.match(line))


def is_table_line(line: str) -> bool:
    """Whether ``line`` is a line of a pipe table: a row or its rule."""
    return line.lstrip().startswith("|")


def is_row(line: str) -> bool:
    """Whether ``line`` is a table row (a rule is not)."""
    return is_table_line(line) and not is_rule(line)


def cells(line: str) -> list[str]:
    """The cells of a table row, stripped; a pipe written "\\|" stays inside its cell."""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [c.strip().replace("\\|", "|") for c in _CELL_BREAK.split(row)]


def markdown_table(rows: Sequence[Sequence[str]], *, header: bool) -> list[str]:
    """A table read from another format (HTML, Word, PDF) as pipe-table lines: with a rule
    under the first row when that row is the header, so every row is read with its column
    names; without one, the rows alone. Pipes inside cells are escaped, line breaks folded.
    """
    lines = ["| " + " | ".join(" ".join(c.split()).replace("|", "\\|") for c in r) + " |"
             for r in rows]  # fmt: skip
    if header and len(rows) > 1:
        lines.insert(1, "|" + "---|" * len(rows[0]))
    return lines


def table_row(row: list[str], header: list[str] | None) -> str:
    """A table row as one readable unit: each cell after its column's name ("Spec: Top speed;
    Stacker S6: 1.8 m/s; Stacker S4: 1.5 m/s") when the header is known and fits. A cell of
    only a dash says nothing and is left out. Without a header that fits, the cells as
    written, joined by " | "."""
    if header is None or len(header) != len(row):
        return " | ".join(c for c in row if c)
    said = [(h, c) for h, c in zip(header, row, strict=True) if c and not _DASHES.fullmatch(c)]
    return "; ".join(f"{h}: {c}" if h else c for h, c in said)


@dataclass(frozen=True)
class _Body:
    start: int  # where the rule line starts
    rows: int  # where the line after the rule starts
    end: int  # where the table's last line ends
    header: str  # the header row, stripped
    rule: str  # the rule, stripped


class TableHeaders:
    """The headed tables of one document, found in one pass, so that each of its chunks can
    ask for the header it continues (``above``) without reading the document again."""

    def __init__(self, text: str) -> None:
        self._bodies: list[_Body] = []
        current: _Body | None = None
        # The line above (and where it starts), and where the line above that one ends.
        above, above_start, before_end = "", 0, 0
        line_start = 0
        for line in text.splitlines(keepends=True):
            bare = line.rstrip("\r\n")
            line_end = line_start + len(bare)
            if is_rule(bare) and is_row(above):
                if current is not None:  # the row above heads the next table
                    self._bodies.append(replace(current, end=before_end))
                after = line_start + len(line)
                current = _Body(line_start, after, line_end, above.strip(), bare.strip())
            elif current is not None and (is_row(bare) or is_rule(bare)):
                current = replace(current, end=line_end)
            elif current is not None:
                self._bodies.append(current)
                current = None
            before_end = above_start + len(above)
            above, above_start = bare, line_start
            line_start += len(line)
        if current is not None:
            self._bodies.append(current)
        self._starts = [b.start for b in self._bodies]

    def above(self, start: int) -> str:
        """The header lines (header row, then rule) of the table whose body ``start`` is in;
        "" when it is in none (or at the header row itself). A start on the rule line gets
        the header row alone: the chunk has the rule already."""
        at = bisect.bisect_right(self._starts, start) - 1
        if at < 0 or start >= self._bodies[at].end:
            return ""
        body = self._bodies[at]
        return body.header if start < body.rows else f"{body.header}\n{body.rule}"


def with_table_header(header: str, text: str) -> str:
    """``text`` as read for its meaning: the table header it continues, then its own lines."""
    return f"{header}\n{text}" if header else text
