"""Sentences as written: paragraphs, list items, headings and table rows never joined, and
``[n]`` citation markers kept with the sentence they follow.

Indexing embeds each sentence of a chunk (indexes/sentence_vectors.py) and the eval harness
cuts answers and passages (evals/citations.py) with this one splitter, so a sentence is the
same unit everywhere.
"""

from __future__ import annotations

import re

from indexes.tables import cells, is_rule, is_table_line, table_row

# One citation group: [1], [1, 3], [1;3], [2-4] (a range), [1,2-3].
MARKER = re.compile(r"\[\s*(\d+(?:\s*[-–,;]\s*\d+)*)\s*\]")
# A run of markers, possibly separated by spaces: "[1][2]", "[1] [2]".
_MARKER_RUN = re.compile(rf"(?:\s*{MARKER.pattern})+")
# Words whose trailing full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs approx ext fig no nos dr mr mrs ms st inc ltd co corp jr sr dept est min max "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun".split()
)
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)]|[a-z][.)])\s+")
# A Markdown (ATX) heading line: one to six "#", then a space or the end of the line. A word
# glued to its "#" ("#questions is where to ask") is a chat channel or a tag, not a heading.
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
# What may close after a sentence's final punctuation: quotes straight or curly, brackets, the
# end of bold or italics ("**Do this first.** Then ..."). A character class, shared with the
# chunker's cuts (indexes/chunking.py) so that a chunk and a sentence end in the same places.
CLOSERS = r"[\"'”’)\]*_]"
# A candidate boundary: terminal punctuation, its closers, optional citation markers, then
# whitespace. Whether it really ends a sentence is decided in _split_block.
_BOUNDARY = re.compile(rf"[.!?]+{CLOSERS}*(?:{_MARKER_RUN.pattern})?(?=\s+)")
# What may open a sentence: a capital, a digit or a currency sign, after any opening quotes,
# brackets or emphasis marks ("“Ask first,” she said", "**Note:** ..."). A straight quote or
# bracket opens one whatever follows it, as before.
_OPENS = re.compile(r"[\"'(\[]|[“‘*_(\[]*[$€£A-Z0-9]")


# A line that is bold and nothing else, and does not end as a sentence or a lead-in does: a
# heading in all but name ("**Greybox testing**"). "**Fix:**" leads in a list, and a bold
# line ending in "." is a sentence.
_BOLD_HEADING = re.compile(r"^[ \t]*(\*\*|__)(?=\S)([^*_\n]+?)(?<=[^\s.:;!?])\1[ \t]*$", re.M)


def with_bold_headings(text: str) -> str:
    """``text`` with each bold-only line written as the Markdown heading it stands for."""
    return _BOLD_HEADING.sub(lambda m: f"#### {m.group(2)}", text)


# Bold and code markup anywhere; a single * or _ only at a word's edge ("_all_" steps,
# "*a note.*"), so snake_case names and list bullets stay. An escaped mark ("\\*Note") is the
# character itself.
_EMPHASIS = re.compile(
    r"(?<!\\)(?:\*\*|__)|`|(?<![\w*\\])[*_](?=\w)|(?<=[\w.!?:;,)])(?<!\\)[*_](?![\w*])"
)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain_markdown(text: str) -> str:
    """``text`` as a reader sees it: bold-only lines as headings (``with_bold_headings``),
    emphasis and code marks gone, escaped characters as themselves. Line breaks are kept."""
    # Twice: the inner marks of nested emphasis ("**_optional_**") show once the outer go.
    stripped = _EMPHASIS.sub("", _EMPHASIS.sub("", with_bold_headings(text)))
    return _ESCAPE.sub(r"\1", stripped)


def heading_text(line: str) -> str | None:
    """The text of ``line`` when it is a Markdown heading ("" for a bare "#"), else None."""
    found = _HEADING.match(line)
    return None if found is None else (found.group(1) or "")


def strip_markers(text: str) -> str:
    """``text`` with its citation markers removed and the spacing around them repaired."""
    cleaned = _MARKER_RUN.sub("", text)
    cleaned = re.sub(r"\s+([.,;:!?])", r"\1", cleaned)
    return " ".join(cleaned.split())


def _blocks(text: str) -> list[str]:
    """Paragraphs, list items and table rows: the units a sentence never crosses. A table's
    header row (the row above its rule) names the columns of the rows below it and is no unit
    of its own."""
    blocks: list[str] = []
    current: list[str] = []
    lines = [line.strip() for line in text.splitlines()]
    header: list[str] | None = None
    rows = 0  # rows read under ``header``: a table of a header alone keeps it as its text

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    def end_table() -> None:
        nonlocal header
        if header is not None and not rows:
            blocks.append(table_row(header, None))
        header = None

    for i, stripped in enumerate(lines):
        if not is_table_line(stripped) and not is_rule(stripped):
            end_table()
        if not stripped or is_rule(stripped):
            flush()
            continue
        if is_table_line(stripped):
            flush()
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if is_rule(following) and "|" in following:
                end_table()
                header, rows = cells(stripped), 0
            else:
                blocks.append(table_row(cells(stripped), header))
                rows += 1
            continue
        heading = heading_text(stripped)
        if heading is not None:
            flush()
            if heading:
                blocks.append(heading)
            continue
        if _BULLET.match(stripped):
            flush()
            stripped = _BULLET.sub("", stripped)
        current.append(stripped)
    flush()
    end_table()
    return blocks


def _ends_sentence(block: str, end: int, punct_start: int) -> bool:
    """Whether the candidate boundary at ``end`` really ends a sentence."""
    rest = block[end:].lstrip()
    if not rest:
        return True
    if block[punct_start] == ".":
        word = re.search(r"([A-Za-z][A-Za-z.]*)$", block[:punct_start])
        if word:
            token = word.group(1)
            if token.lower().rstrip(".") in _ABBREVIATIONS:
                return False
            # An initial ("J. Smith") or a dotted abbreviation ("U.S.") is not an ending.
            if len(token) == 1 and token.isupper():
                return False
    return bool(_OPENS.match(rest))


def _split_block(block: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(block):
        if _ends_sentence(block, match.end(), match.start()):
            piece = block[start : match.end()].strip()
            if piece:
                sentences.append(piece)
            start = match.end()
    tail = block[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences as written, citation markers kept with their sentence.

    Paragraphs, Markdown list items, headings and table rows are never joined; inside them a
    sentence ends at ``.``, ``!`` or ``?`` followed by a capitalised word, except after common
    abbreviations (``e.g.``, ``ext.``, ``Dr.``) and initials. Decimals (``0.8 m/s``) and
    versions (``3.8.2``) have no space after the dot and never split. A marker-only fragment
    (``[2]`` on a line of its own) is attached to the sentence before it.
    """
    sentences: list[str] = []
    for block in _blocks(text):
        for piece in _split_block(block):
            if sentences and not strip_markers(piece).strip(" .") and MARKER.search(piece):
                sentences[-1] = f"{sentences[-1]} {piece}"
            else:
                sentences.append(piece)
    return sentences
