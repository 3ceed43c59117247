"""A cited passage and the windows of adjacent sentences it is read in (the answerability check
reads each window alone, with the passage's title, section and file name)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evals.citations import split_sentences, strip_markers


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
    International: $90 per day."), since an item alone loses its subject.
    """

    text: str
    quote: tuple[str, ...]


_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


def windows(evidence: Evidence, size: int) -> list[Window]:
    """The passage's runs of up to ``size`` adjacent sentences under one heading, each with
    what it needs to be read alone (see ``Window``); the passage's title, section and file
    come with every window (see ``check_answer``)."""
    out: dict[str, Window] = {}
    heading = lead = ""
    body: list[str] = []
    for raw in split_sentences(_EMPHASIS.sub("", evidence.text)):
        sentence = _BULLET.sub("", strip_markers(raw)).strip()
        if not sentence:
            continue
        if sentence.startswith("#"):
            heading, lead, body = sentence.lstrip("# "), "", []
            continue
        body.append(sentence)
        run = body[-size:]
        if lead and lead not in run:
            quote: tuple[str, ...] = (f"{lead} {'; '.join(r.rstrip(' .;') for r in run)}.",)
        else:
            quote = tuple(run)
        text = " ".join(p for p in (heading, *quote) if p)
        out.setdefault(text, Window(text, quote))
        if sentence.endswith(":"):
            lead = sentence
    if not out:
        return [Window(evidence.text, (evidence.text,))]
    return list(out.values())
