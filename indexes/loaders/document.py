"""The record every loader returns, and the error every loader raises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ragtune.errors import InputError

Structure = Literal["markdown", "plain", "pages", "records"]


class LoadError(InputError):
    """A file that cannot be ingested; ``message`` says why."""


class RedirectStub(LoadError):
    """A page that only points elsewhere: front matter with ``redirect_to`` and no body, or
    an HTML page with an immediate meta refresh.

    Ingest skips it instead of failing it: a site generator's redirect holds no text of its
    own, and the page it points to is ingested (or not) on its own account.
    """

    def __init__(self, message: str, target: str) -> None:
        super().__init__(message)
        self.target = target


@dataclass
class Span:
    """A labelled region of the text: a PDF page or a CSV/JSON record."""

    start: int
    end: int
    label: str = ""
    page: int | None = None


@dataclass
class LoadedDocument:
    """A file's text and the structure chunking needs."""

    text: str
    title: str
    format: str
    structure: Structure
    spans: list[Span] = field(default_factory=list)


def join_blocks(blocks: Iterable[tuple[str, str, int | None]]) -> tuple[str, list[Span]]:
    """``(text, label, page)`` blocks joined by blank lines, and the span each one occupies."""
    parts: list[str] = []
    spans: list[Span] = []
    cursor = 0
    for text, label, page in blocks:
        if parts:
            cursor += 2
        spans.append(Span(cursor, cursor + len(text), label=label, page=page))
        parts.append(text)
        cursor += len(text)
    return "\n\n".join(parts), spans
