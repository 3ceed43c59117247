"""The 18F handbook corpus the benchmarks run on: where it is, and its text as short passages."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from indexes.loaders.dispatch import load_file
from ragtune.errors import RagtuneError

HANDBOOK = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "18f-handbook"
QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "18f_questions.jsonl"

_BLOCK = re.compile(r"\n\s*\n")
# Sentence ends, and single newlines (list items, table rows) that end a line of prose.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
_MIN_WORDS = 4


def handbook_or_none(root: Path = HANDBOOK) -> Path | None:
    """The handbook root, or None (with a message on stderr) when it is not on this machine."""
    if root.is_dir() and any(root.rglob("*.md")):
        return root
    print(f"skipped: the 18F handbook corpus is not at {root}", file=sys.stderr)
    return None


@dataclass(frozen=True)
class Passage:
    """One to three consecutive sentences of one handbook page."""

    source: str
    title: str
    text: str

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:32]


def sentences_by_page(root: Path) -> list[tuple[str, str, list[str]]]:
    """(source, title, sentences) for every page with body text, in path order."""
    pages = []
    for path in sorted(root.rglob("*.md")):
        try:
            doc = load_file(path, max_bytes=50_000_000)
        except RagtuneError:
            continue  # redirect stubs have no sentences to offer
        sentences = [
            s.strip()
            for block in _BLOCK.split(doc.text)
            for s in _SENTENCE_END.split(block)
            if len(s.split()) >= _MIN_WORDS
        ]
        if sentences:
            pages.append((path.relative_to(root).as_posix(), doc.title, sentences))
    return pages


def passages(root: Path) -> list[Passage]:
    """Non-overlapping windows of 1, 2 or 3 sentences (cycling), deduplicated by text.

    Varying the window keeps the passage lengths realistic for short FAQ-like chunks while
    every sentence appears in exactly one passage.
    """
    seen: set[str] = set()
    out: list[Passage] = []
    width = 0
    for source, title, sentences in sentences_by_page(root):
        i = 0
        while i < len(sentences):
            width = width % 3 + 1
            text = " ".join(sentences[i : i + width])
            i += width
            if text not in seen:
                seen.add(text)
                out.append(Passage(source, title, text))
    return out
