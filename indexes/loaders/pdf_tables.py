"""Tables on a PDF page, found by what the page draws or by how its words line up.

A PDF holds no tables, only text placed at positions and lines drawn between them. Two kinds
are found:

- **ruled** tables, whose cells are drawn as rectangles or lines: pdfplumber finds them by
  those lines (pages whose content stream draws at least four of them);
- **aligned** tables, drawn without lines, whose columns are only gaps between words: rows of
  two or more runs of words, each run under a column of the row above, three rows or more
  (pages whose layout text shows three such lines close together).

Either becomes pipe-table lines among the page's other text lines, in reading order from the
top, headed when its first row is set in a bold face and the rows below are not.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from indexes.loaders.pdf_headings import RUNNING_LINES
from indexes.tables import markdown_table

# Drawing operators of a page's content stream: a rectangle ("x y w h re") or a line segment
# ("x y l"). A ruled table draws at least four; a page that draws fewer holds none, and is not
# parsed a second time (pdfminer's layout pass costs far more than pypdf's text).
_DRAWN = re.compile(rb"[\d.]\s+(?:re|l)\b")
_BOLD = re.compile(r"bold|black|heavy|demi", re.IGNORECASE)
# A wide gap in a line of pypdf's layout text: between two cells of an aligned table's row, or
# between the two columns of a page set in two.
_GAP = re.compile(r" {3,}")
# A list's markers ("•", "-", "3.", "b)", "iv."): a bulleted or numbered list lines up in two
# columns too, its markers and its items.
_MARKER = re.compile(
    r"^(?:[•◦▪▫●○■□‣⁃*·–—-]|\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-zA-Z]|[ivxlcIVXLC]{1,5})[.)]?)$"
)

# Words further apart than this many times their size are in different cells. A space is
# about a quarter of an em and a justified line stretches it to half an em at most; Word's
# default cell margins part two columns by about one em.
CELL_GAP = 0.8
# An aligned table has at least this many rows (its header counted).
MIN_ROWS = 3
# ... and a column whose cells are short: labels, figures, dates. A page set in two columns
# lines up as well as a table, but every "cell" of it is a line of prose.
SHORT_CELL = 24


def may_hold_ruled_table(page: Any) -> bool:
    """Whether a pypdf page draws enough rectangles or lines to hold a ruled table."""
    try:
        contents = page.get_contents()
        return contents is not None and len(_DRAWN.findall(contents.get_data())) >= 4
    except Exception:  # noqa: BLE001 - a broken stream: the page's text is read as before
        return False


def may_hold_aligned_table(page: Any) -> bool:
    """Whether a pypdf page's layout text has ``MIN_ROWS`` lines like a table's rows close
    together (``_row_like``)."""
    try:
        text = page.extract_text(extraction_mode="layout")
    except Exception:  # noqa: BLE001 - the page's plain text is read as before
        return False
    rows = [_row_like(line) for line in text.splitlines() if line.strip()]
    # A wrapped cell puts a line with no gap between two rows.
    return any(sum(rows[i : i + 2 * MIN_ROWS - 1]) >= MIN_ROWS for i in range(len(rows)))


def _row_like(line: str) -> bool:
    """Two or more parts with a wide gap between them, one of them short: a row, not a line
    across two columns of prose."""
    parts = _GAP.split(line.strip())
    return len(parts) > 1 and min(len(part) for part in parts) <= SHORT_CELL


@dataclass
class Table:
    """A table found on a page: its rows of cells, and whether the first row is its header."""

    top: float
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    rows: list[list[str]]
    header: bool


@dataclass
class _Run:
    """Words of one line with no wide gap between them: one cell, or a line of text."""

    x0: float
    x1: float
    words: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)


@dataclass
class _Line:
    top: float
    bottom: float
    runs: list[_Run] = field(default_factory=list)


# A page's lines of text and its tables, in reading order from the top.
Blocks = list[str | Table]


def page_blocks(page: Any, *, aligned: bool) -> Blocks | None:
    """A pdfplumber page's lines of text and tables, in reading order from the top; None when
    no table is found there. ``aligned``: look for tables drawn without lines too (see
    ``may_hold_aligned_table``)."""
    tables = [_ruled(page, t) for t in page.find_tables()]
    if aligned:
        tables += [t for t in _aligned(page) if not any(_overlaps(t.bbox, r.bbox) for r in tables)]
    tables = [t for t in tables if t.rows]
    if not tables:
        return None
    placed: list[tuple[float, str | Table]] = [(t.top, t) for t in tables]
    for line in page.extract_text_lines(return_chars=False):
        middle = (line["top"] + line["bottom"]) / 2
        inside = any(
            t.bbox[1] <= middle <= t.bbox[3] and line["x0"] < t.bbox[2] and line["x1"] > t.bbox[0]
            for t in tables
        )
        if not inside:
            placed.append((line["top"], line["text"]))
    placed.sort(key=lambda block: block[0])
    return [block for _, block in placed]


def carry_headers(pages: dict[int, Blocks]) -> None:
    """Give a table that goes on from the page before its header: the first table of a page,
    with no header of its own, that follows a headed table of as many columns ending the page
    before (a running header or footer, ``RUNNING_LINES``, aside) is the rest of that table."""
    for number in sorted(pages):
        before = pages.get(number - 1)
        if not before:
            continue
        ending = [(i, b) for i, b in enumerate(before) if isinstance(b, Table)][-1:]
        starting = [(i, b) for i, b in enumerate(pages[number]) if isinstance(b, Table)][:1]
        if not ending or not starting:
            continue
        (at_end, last), (at_start, first) = ending[0], starting[0]
        if (
            len(before) - at_end - 1 <= RUNNING_LINES
            and at_start <= RUNNING_LINES
            and last.header
            and not first.header
            and len(last.rows[0]) == len(first.rows[0])
        ):
            if first.rows[0] != last.rows[0]:  # a header repeated on each page stays once
                first.rows.insert(0, last.rows[0])
            first.header = True


def blocks_text(blocks: Blocks) -> str:
    """The page's text: its lines as read, each table as pipe-table lines."""
    parts = [
        b
        if isinstance(b, str)
        else "\n" + "\n".join(markdown_table(b.rows, header=b.header)) + "\n"
        for b in blocks
    ]
    return "\n".join(parts).strip()


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _bold(fonts: Sequence[str]) -> bool:
    return bool(fonts) and all(_BOLD.search(f) for f in fonts)


def _ruled(page: Any, table: Any) -> Table:
    rows = [[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
    heads = bool(rows) and any(rows[0]) and _first_row_heads(page, table)
    return Table(table.bbox[1], table.bbox, [r for r in rows if any(r)], heads)


def _fonts(page: Any, bbox: tuple[float, float, float, float]) -> list[str]:
    x0, top, x1, bottom = bbox
    return [
        c["fontname"]
        for c in page.chars
        if c["text"].strip()
        and x0 <= c["x0"] < x1
        and top <= (c["top"] + c["bottom"]) / 2 <= bottom
    ]


def _first_row_heads(page: Any, table: Any) -> bool:
    """Whether a ruled table's first row is its header: all of it set in a bold face, while
    the rows below are not (a PDF says nothing else about which row names the columns)."""
    if len(table.rows) < 2:
        return False
    x0, _, x1, bottom = table.bbox
    first = _fonts(page, table.rows[0].bbox)
    rest = _fonts(page, (x0, table.rows[0].bbox[3], x1, bottom))  # the rows below, in one pass
    return _bold(first) and not _bold(rest)


def _lines(page: Any) -> list[_Line]:
    """The page's words in lines from the top, each line parted into runs at wide gaps."""
    words = sorted(
        page.extract_words(extra_attrs=["fontname", "size"]), key=lambda w: (w["top"], w["x0"])
    )
    grouped: list[list[dict[str, Any]]] = []
    for word in words:
        if grouped and abs(word["top"] - grouped[-1][0]["top"]) <= 0.4 * word["size"]:
            grouped[-1].append(word)
        else:
            grouped.append([word])
    lines = []
    for group in grouped:
        group.sort(key=lambda w: w["x0"])
        line = _Line(min(w["top"] for w in group), max(w["bottom"] for w in group))
        for word in group:
            last = line.runs[-1] if line.runs else None
            if last is not None and word["x0"] - last.x1 <= CELL_GAP * word["size"]:
                last.words.append(word)
                last.x1 = max(last.x1, word["x1"])
            else:
                line.runs.append(_Run(word["x0"], word["x1"], [word]))
        lines.append(line)
    return lines


def _place(runs: Sequence[_Run], columns: Sequence[list[float]]) -> list[int] | None:
    """The column each run falls under, left to right; None when a run falls under none, or
    under two (the line is text across the columns, not a row)."""
    placed: list[int] = []
    for run in runs:
        under = [i for i, (x0, x1) in enumerate(columns) if run.x0 < x1 + 1 and run.x1 > x0 - 1]
        if len(under) != 1 or (placed and under[0] <= placed[-1]):
            return None
        placed.append(under[0])
    return placed


def _aligned(page: Any) -> list[Table]:
    """Tables drawn without lines: from a line of two or more runs, each following line whose
    runs fall under its columns, one column each. A line that starts in the first column
    opens a row; one that does not continues the row above (a cell wrapped onto two lines).
    A header may leave its first cell empty. A lone run in the first column, a wide gap above
    a line, or a line across the columns ends the table."""
    lines = _lines(page)
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        first = lines[i]
        if len(first.runs) < 2:
            i += 1
            continue
        columns = [[r.x0, r.x1] for r in first.runs]
        rows: list[list[list[_Run]]] = [[[r] for r in first.runs]]
        last, j = first, i + 1
        while j < len(lines):
            line = lines[j]
            size = max(w["size"] for r in line.runs for w in r.words)
            placed = _place(line.runs, columns)
            if placed is None and len(rows) == 1 and line.runs[0].x1 < columns[0][0]:
                # A header that leaves its first cell empty (a matrix: "| | Plan A | Plan B |"):
                # the rows below open with the column it did not name.
                trial = [[line.runs[0].x0, line.runs[0].x1], *columns]
                if (placed := _place(line.runs, trial)) is not None:
                    columns = trial
                    rows = [[[], *rows[0]]]
            if line.top - last.bottom > 3 * size or placed is None:
                break
            if placed[0] == 0 and len(line.runs) < 2:
                break
            if placed[0] == 0:
                rows.append([[] for _ in columns])
            for run, column in zip(line.runs, placed, strict=True):
                rows[-1][column].append(run)
                columns[column] = [min(columns[column][0], run.x0), max(columns[column][1], run.x1)]
            last, j = line, j + 1
        texts = [[" ".join(r.text for r in cell) for cell in row] for row in rows]
        if len(rows) >= MIN_ROWS and _tabular(texts):
            header = _bold([w["fontname"] for cell in rows[0] for r in cell for w in r.words])
            below = [
                w["fontname"] for row in rows[1:] for cell in row for r in cell for w in r.words
            ]
            bbox = (min(c[0] for c in columns), first.top, max(c[1] for c in columns), last.bottom)
            tables.append(Table(first.top, bbox, texts, header and not _bold(below)))
            i = j
        else:
            i += 1
    return tables


def _tabular(rows: Sequence[Sequence[str]]) -> bool:
    """Whether aligned rows read as a table: not a list (markers, then items), and with a
    column of short cells (not a page set in two columns of prose)."""
    if len(rows[0]) == 2 and all(_MARKER.match(row[0]) for row in rows if row[0]):
        return False
    return any(
        statistics.median(len(row[c]) for row in rows) <= SHORT_CELL for c in range(len(rows[0]))
    )
