"""Headings read from how lines are set: larger than the body text, or bold and numbered.

A PDF holds no headings, and a Word document often has none either: its author made a line
bold and larger instead of choosing a heading style. Both loaders read each line's size and
weight (``FontLine``) and ask ``headings`` which lines are headings, and at what level.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# A heading is set at least this much larger than the body text.
LARGER = 1.15
# ... and is at most this long: a line of large type longer than this is a display quote.
HEADING_CHARS = 120
MAX_LEVEL = 6

_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.\d{1,2}(?:\.\d{1,2})*)\s+[A-Za-z]")


@dataclass(frozen=True)
class FontLine:
    """One line as set: its text, its largest size (points), whether all of it is bold (a PDF
    line as pypdf draws it, a Word paragraph)."""

    text: str
    size: float
    bold: bool


def body_size(pages: Sequence[Sequence[FontLine]]) -> float:
    """The size most of the document's characters are set in."""
    sizes: Counter[float] = Counter()
    for line in (line for page in pages for line in page):
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


@dataclass(frozen=True)
class Heading:
    """A heading of a page: its lines as drawn (whitespace folded; a long one wraps onto
    two), and its level."""

    lines: tuple[str, ...]
    level: int


def _half(size: float) -> float:
    return round(size * 2) / 2


def headings(pages: Sequence[Sequence[FontLine]]) -> list[list[Heading]]:
    """The headings of each page, in order.

    One or two lines in a row set large (see ``LARGER``) make one heading; three or more are
    a passage set large (a lead paragraph, a pull quote), not a heading.
    """
    body = body_size(pages)
    if not body:
        return [[] for _ in pages]

    def large(line: FontLine) -> bool:
        return line.size >= body * LARGER and len(line.text) <= HEADING_CHARS

    def numbered(line: FontLine) -> bool:
        return line.bold and len(line.text) <= HEADING_CHARS and bool(_NUMBERED.match(line.text))

    def blocks(page: Sequence[FontLine]) -> list[tuple[int, int]]:
        """(start, end) of each run of large lines of one size on the page."""
        runs, i = [], 0
        while i < len(page):
            j = i
            while j < len(page) and large(page[j]) and _half(page[j].size) == _half(page[i].size):
                j += 1
            runs.append((i, max(j, i + 1)))
            i = max(j, i + 1)
        return runs

    def heading_block(page: Sequence[FontLine], start: int, end: int) -> bool:
        return (
            large(page[start])
            and end - start <= 2
            and any(c.isalpha() for line in page[start:end] for c in line.text)
        )

    runs = [(page, blocks(page)) for page in pages]
    sizes = sorted(
        {
            _half(page[start].size)
            for page, spans in runs
            for start, end in spans
            if heading_block(page, start, end)
        },
        reverse=True,
    )
    levels = {size: min(i + 1, MAX_LEVEL) for i, size in enumerate(sizes)}
    out: list[list[Heading]] = []
    for page, spans in runs:
        found: list[Heading] = []
        for start, end in spans:
            if heading_block(page, start, end):
                lines = tuple(line.text for line in page[start:end])
                found.append(Heading(lines, levels[_half(page[start].size)]))
            elif end - start == 1 and numbered(page[start]):
                found.append(Heading((page[start].text,), min(len(sizes) + 1, MAX_LEVEL)))
        out.append(found)
    return out
