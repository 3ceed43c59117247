"""A cited passage and the windows of adjacent sentences it is read in (the answerability check
reads each window alone, with the passage's title, section and file name)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evals.citations import split_sentences, strip_markers
from indexes.sentences import heading_text, plain_markdown
from indexes.tables import is_table_line


@dataclass(frozen=True)
class Evidence:
    """One cited passage and where it sits (title, section, file): all of it counts."""

    text: str
    title: str = ""
    section: str = ""
    source: str = ""

    @property
    def place(self) -> str:
        """Title, section and file name: what every sentence of the passage is about."""
        path = re.sub(r"[/_.\-]+", " ", self.source)
        return f"{self.title}. {self.section}. {path}"

    @property
    def full(self) -> str:
        return f"{self.place}. {self.text}"


@dataclass(frozen=True)
class Window:
    """A run of adjacent sentences of one passage, as read and as an answer would quote it.

    ``text`` is what the check reads: the sub-heading above the run, the lead-in it continues
    and the run. ``quote`` is what an answer quotes, one sentence each: a lead-in joined with
    the items it introduces ("Meals are covered by a per diem: Domestic: $65 per day;
    International: $90 per day."), since an item alone loses its subject. A heading is never
    quoted: it names a topic and states nothing about it.
    """

    text: str
    quote: tuple[str, ...]
    # The lead-in and the items of a list this window quotes whole ("three avenues:" or "the
    # blogs employees can publish to:"): a whole list answers "how many", by its length.
    parts: tuple[str, ...] = ()

    @property
    def listed(self) -> int:
        """How many items the window lists whole after its lead-in (0 when it lists none)."""
        return max(0, len(self.parts) - 1)

    @property
    def stated(self) -> str:
        """What the run itself states, without its heading: where an asked number or date
        must be ("4.1 Per diem rates" numbers a section; it is no amount)."""
        return " ".join(self.quote)


_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")


def _under_headings(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each part of ``text`` between Markdown headings, in order; the
    part before the first heading has heading ""."""
    parts: list[tuple[str, str]] = []
    heading, body = "", list[str]()
    # The sentence splitter drops the marks, so headings are found here, on the lines, before
    # the body under each is split into sentences.
    for line in text.splitlines():
        found = heading_text(line)
        if found is not None:
            parts.append((heading, "\n".join(body)))
            heading, body = found, []
        else:
            body.append(line)
    parts.append((heading, "\n".join(body)))
    return [(h, b) for h, b in parts if h or b.strip()]


# Longer lists are not read whole: a window that long holds any question's words.
MAX_LISTED = 12


def _opens(sentence: str, line: str) -> bool:
    """Whether ``sentence`` opens on the marked ``line``: their first 40 characters agree, or
    all of the line's when it is shorter (an item whose text wraps after a few words)."""
    n = min(40, len(line), len(sentence))
    return n > 0 and sentence[:n] == line[:n]


def _whole_list(out: dict[str, Window], heading: str, lead: str, items: list[str]) -> None:
    """Add the window that quotes a lead-in with every item of its list, when it has two to
    ``MAX_LISTED`` items."""
    if not lead or not 2 <= len(items) <= MAX_LISTED:
        return
    quote = (f"{lead} {'; '.join(i.rstrip(' .;') for i in items)}.",)
    text = " ".join(p for p in (heading, *quote) if p)
    out.setdefault(text, Window(text, quote, (lead, *items)))


def count_note(count: int) -> str:
    """How the length of a whole list is said next to it: an answer to "how many" that quotes
    the list says it, and the judge reads a list as stating it (``clauses.list_units``)."""
    return f"({count} in all)"


def with_count(quote: str, count: int) -> str:
    """``quote`` (a lead-in and its whole list) with its length said at the end."""
    return f"{quote.rstrip().rstrip('.;')} {count_note(count)}."


def windows(evidence: Evidence, size: int) -> list[Window]:
    """The passage's runs of up to ``size`` adjacent sentences under one heading, each with
    what it needs to be read alone (see ``Window``); the passage's title, section and file
    come with every window (see ``check_answer``). A run never crosses a heading, and a
    heading with nothing under it makes no window."""
    out: dict[str, Window] = {}
    text = plain_markdown(evidence.text)
    for heading, body_text in _under_headings(text):
        heading = strip_markers(heading)
        lead = ""
        body: list[str] = []
        items: list[str] = []  # the items of the list right after the lead-in
        listing = False  # whether the sentences since the lead-in are all list items
        # The splitter drops list marks: an item is a sentence that opens a marked line.
        marked = [
            strip_markers(_BULLET.sub("", line)).strip()
            for line in body_text.splitlines()
            if _BULLET.match(line)
        ]
        # Table rows as the splitter reads them, each with its column names.
        table = [ln for ln in body_text.splitlines() if is_table_line(ln)]
        rows = set(split_sentences("\n".join(table))) if table else set()
        for raw in split_sentences(body_text):
            sentence = _BULLET.sub("", strip_markers(raw)).strip()
            if not sentence:
                continue
            if listing and any(_opens(sentence, m) for m in marked):
                items.append(sentence)
            else:
                _whole_list(out, heading, lead, items)
                items, listing = [], False
            body.append(sentence)
            run = body[-size:]
            if lead and lead not in run:
                quote: tuple[str, ...] = (f"{lead} {'; '.join(r.rstrip(' .;') for r in run)}.",)
            else:
                quote = tuple(run)
            text = " ".join(p for p in (heading, *quote) if p)
            out.setdefault(text, Window(text, quote))
            if lead and sentence in rows and run != [lead, sentence]:
                # One row with the lead-in that says what the table holds: the asked row
                # alone, not its neighbour, when its value is the one asked.
                alone = (f"{lead} {sentence.rstrip(' .;')}.",)
                text = " ".join(p for p in (heading, *alone) if p)
                out.setdefault(text, Window(text, alone))
            if sentence.endswith(":"):
                _whole_list(out, heading, lead, items)
                lead, items, listing = sentence, [], True
        _whole_list(out, heading, lead, items)
    if not out:
        return [Window(evidence.text, (evidence.text,))]
    return list(out.values())
