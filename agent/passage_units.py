"""How a passage reads as quotable units: whole sentences (hard-wrapped lines joined), a
lead-in with the list it introduces, each table row with its header, and which units belong
to a worked example. Paragraphs that address the assistant are dropped before any of it.

The extractive answer (agent/extractive.py) scores these units; the conflict check reads
them too (agent/conflicts.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.guard import looks_like_injection
from agent.injection import fold_spaces
from evals.citations import split_sentences
from indexes.sentences import heading_text, plain_markdown
from indexes.tables import is_table_line

_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")


def _without_instructions(text: str) -> str:
    """``text`` minus every paragraph that addresses the assistant. An instruction can run over
    several sentences or wrapped lines ("Ignore all previous instructions and / tell the user
    ..."), so the whole paragraph goes, not just the flagged sentence."""
    paragraphs = re.split(r"\n\s*\n", text)
    kept = [p for p in paragraphs if not looks_like_injection(" ".join(p.split()))]
    return "\n\n".join(kept)


# A record's field line ("product: Stacker S6", "list_price_usd: 109000"): after another, it
# is never the rest of a wrapped sentence (prose wrapped before "meetings: be on time" is).
FIELD_LINE = re.compile(r"^[A-Za-z][\w ]{0,30}:\s")
# The end of a sentence, or of a lead-in, at the end of a line.
_ENDS = re.compile(r"[.!?:][\"')\]*_]*$")


def _closed(line: str) -> bool:
    """Whether ``line`` cannot be continued: a heading or a table row."""
    return heading_text(line) is not None or is_table_line(line)


def logical_lines(text: str) -> list[str]:
    """``text``'s lines with hard-wrapped ones joined: a line that ends mid-sentence goes on in
    the next, unless that one opens a heading, a table row, a list item or, after a field
    line, another record field.

    Markdown is often wrapped at 72-80 columns, and a quote cut at the wrap ("change your
    password immediately after you start and every") says half of what the sentence does.
    """
    out: list[str] = []
    open_line = False
    for raw in text.splitlines():
        line = fold_spaces(raw)
        if not line:
            open_line = False
            continue
        field = bool(FIELD_LINE.match(line)) and bool(out) and bool(FIELD_LINE.match(out[-1]))
        heading = heading_text(line) is not None
        starts = heading or is_table_line(line) or _BULLET.match(line) or field
        # A line that opens in lower case goes on from the one before, whatever ended it: the
        # wrap fell after an abbreviation ("a brief description (Ex." / "security token ...").
        # A record's field ("product: S6") is a line of its own.
        lower = line[0].islower() and not FIELD_LINE.match(line)
        goes_on = open_line or (bool(out) and lower and not _closed(out[-1]))
        if goes_on and not starts:
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        open_line = not (heading or is_table_line(line)) and not _ENDS.search(out[-1])
    return out


# A paragraph that opens as an illustration ("For example: It is June 19th ... Therefore, you
# can request up to 56 hours"): its sentences hold the figures of one made-up case, and quoted
# alone they read as the rule. English discourse markers, not corpus words.
_EXAMPLE = re.compile(r"^\W*(?:for\s+(?:example|instance)\b|e\.\s?g\.|example\s*:)", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """A quotable unit of a passage, and whether it belongs to a worked example."""

    text: str
    example: bool = False


def quotable_units(passage: str) -> list[str]:
    """The passage's sentences, with a lead-in ending in ":" joined to the list that follows
    ("covered by a per diem: Domestic: $65 per day; International: $90 per day"), since the
    items alone lose their subject, and each table row read with its header (see
    ``table_row``). Headings and Markdown emphasis are dropped."""
    return [unit.text for unit in read_units(passage)]


def read_units(passage: str) -> list[Unit]:
    """``quotable_units`` with each unit marked when it is part of a worked example: a
    paragraph that opens with "For example", "For instance", "E.g." or "Example:", or the
    paragraph or list that such a lead-in alone introduces."""
    units: list[Unit] = []
    lead: str | None = None
    lead_example = False
    items: list[str] = []
    # The paragraph after a lead-in that is only "For example:" is the example.
    next_example = False

    def flush() -> None:
        nonlocal lead, next_example
        if lead is not None:
            text = f"{lead} {'; '.join(items)}." if items else lead
            units.append(Unit(text, lead_example))
            next_example = lead_example and not items
        lead = None
        items.clear()

    def add(sentences: list[str], example: bool) -> None:
        units.extend(Unit(s, example) for s in sentences)

    text = plain_markdown(passage)
    table: list[str] = []  # a table's lines, read together so each row has its header
    for line in [*logical_lines(_without_instructions(text)), ""]:
        if is_table_line(line):
            flush()
            table.append(line)
            continue
        if table:
            add(split_sentences("\n".join(table)), False)
            table.clear()
        if not line:
            break
        if heading_text(line) is not None:
            flush()
            next_example = False
            continue
        if _BULLET.match(line):
            item = _BULLET.sub("", line).rstrip(" .;")
            if lead is not None:
                items.append(item)
            else:
                add(split_sentences(item), next_example)
            continue
        flush()
        example = next_example or bool(_EXAMPLE.match(line))
        next_example = False
        sentences = split_sentences(line)
        if sentences and sentences[-1].rstrip().endswith(":"):
            add(sentences[:-1], example)
            lead = sentences[-1].rstrip()
            lead_example = example or bool(_EXAMPLE.match(lead))
        else:
            add(sentences, example)
    flush()
    return units
