"""Markdown files: front matter, ATX headings and titles, which chunking also reads.

HTML and DOCX are rendered to Markdown (html.py, docx.py); ``body_line`` keeps their prose
from turning into headings or code fences.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from indexes.loaders.document import LoadedDocument

# Front matter must close on a line of its own; the file may end right after it.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*\r?$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_ANCHOR = re.compile(r"\s*\{#+[^}]*\}\s*$")
# A backslash-escaped punctuation character stays as that character; other *, _ and ` at a
# word's edge are emphasis or code markup and go.
_INLINE_MARKUP = re.compile(r"\\([!-/:-@\[-`{-~])|(?<!\w)[*_`]+|[*_`]+(?!\w)")


def clean_heading(text: str) -> str:
    """Heading text as a reader sees it: links, anchors, emphasis and escapes removed."""
    text = _ANCHOR.sub("", _LINK.sub(r"\1", text))
    text = _INLINE_MARKUP.sub(lambda m: m.group(1) or "", text)
    return " ".join(text.split())


def front_matter(text: str) -> tuple[int, dict[str, Any]] | None:
    """Where a leading YAML front matter block ends, and its mapping; None when there is none.

    A leading ``---`` block that is not a YAML mapping is a thematic break around body text,
    not metadata, so it stays part of the body.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return None
    import yaml

    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    if meta is None:
        meta = {}
    return (match.end(), meta) if isinstance(meta, dict) else None


def markdown_headings(text: str) -> list[tuple[int, int, str]]:
    """``(offset, level, name)`` of each ATX heading, skipping fenced code (``` and ~~~).

    ``offset`` is where the heading line starts in ``text``; ``name`` is cleaned for display.
    """
    headings: list[tuple[int, int, str]] = []
    fence = ""
    offset = 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        marker = _FENCE.match(line)
        if fence:
            if (
                marker
                and marker.group(1)[0] == fence[0]
                and len(marker.group(1)) >= len(fence)
                and not marker.group(2).strip()
            ):
                fence = ""  # a closing fence: same character, at least as long, nothing after
            continue
        if marker and not (marker.group(1)[0] == "`" and "`" in marker.group(2)):
            fence = marker.group(1)
            continue
        heading = _HEADING.match(line)
        if heading and (name := clean_heading(heading.group(2))):
            headings.append((start, len(heading.group(1)), name))
    return headings


def front_matter_title(text: str) -> str:
    """The ``title`` of the YAML front matter, whitespace folded; empty when there is none."""
    front = front_matter(text)
    title = front[1].get("title") if front else None
    if not isinstance(title, str | int | float):
        return ""
    return html.unescape(" ".join(str(title).split()))


def markdown_title(text: str, fallback: str) -> str:
    """Title from YAML front matter, else the first level-1 heading, else ``fallback``."""
    title = front_matter_title(text)
    if title:
        return title
    front = front_matter(text)
    body = text[front[0] :] if front else text
    return next((name for _, level, name in markdown_headings(body) if level == 1), fallback)


_LOOKS_LIKE_MARKUP = re.compile(r"#+\s|```|~~~")


def body_line(text: str) -> str:
    """A line of converted prose, escaped so it cannot turn into a heading or a code fence."""
    return "\\" + text if _LOOKS_LIKE_MARKUP.match(text) else text


def load_markdown(text: str, path: Path) -> LoadedDocument:
    """A Markdown file, kept verbatim and titled by its front matter, first H1 or file name."""
    return LoadedDocument(text, markdown_title(text, path.stem), "markdown", "markdown")
