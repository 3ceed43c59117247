"""Split a loaded document into chunks that follow its structure and keep exact offsets.

Markdown is cut at headings by LlamaIndex's MarkdownNodeParser (code fences respected), and
sections longer than the token budget are split further by its SentenceSplitter, sized with
the embedding model's own tokenizer so no chunk is silently truncated when embedded. Every
chunk's ``text`` equals ``document.text[start_char:end_char]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from indexes.loaders import _FRONT_MATTER, LoadedDocument, Span, markdown_title

SECTION_SEPARATOR = " > "
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_ANCHOR = re.compile(r"\s*\{#+[^}]*\}\s*$")
_MARKUP = re.compile(r"(?<!\w)[*_`]+|[*_`]+(?!\w)")


def clean_heading(text: str) -> str:
    """Heading text as a reader sees it: links, anchors, emphasis and escapes removed."""
    text = _ANCHOR.sub("", _LINK.sub(r"\1", text))
    text = _MARKUP.sub("", text).replace("\\", "")
    return " ".join(text.split())


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document."""

    ordinal: int
    text: str
    section: str
    page: int | None
    start_char: int
    end_char: int


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    section: str
    page: int | None


def _split(text: str, budget: int, overlap: int, count: Callable[[str], int]) -> list[str]:
    """Token-bounded pieces of ``text`` (sentence-aware), each a substring of ``text``."""
    if count(text) <= budget:
        return [text]
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(
        chunk_size=budget,
        chunk_overlap=min(overlap, budget // 2),
        tokenizer=lambda s: [0] * count(s),
    )
    return [piece for piece in splitter.split_text(text) if piece.strip()]


def _locate(source: str, pieces: list[str], base: int) -> Iterator[tuple[int, int]]:
    """Offsets of each piece in ``source``, searching forward so overlaps resolve in order."""
    cursor = 0
    for piece in pieces:
        found = source.find(piece, cursor)
        if found < 0:
            # The splitter normalised whitespace; fall back to the stripped prefix.
            found = source.find(piece.strip()[:40], cursor)
            found = max(found, cursor)
            end = min(len(source), found + len(piece))
        else:
            end = found + len(piece)
        yield base + found, base + end
        cursor = found + 1


def _markdown_pieces(doc: LoadedDocument) -> list[_Piece]:
    from llama_index.core import Document
    from llama_index.core.node_parser import MarkdownNodeParser

    front = _FRONT_MATTER.match(doc.text)
    body_start = front.end() if front else 0
    body = doc.text[body_start:]
    has_h1 = any(
        (m := _HEADING.match(line)) and len(m.group(1)) == 1 for line in body.splitlines()
    )
    root = [markdown_title(doc.text, doc.title)] if front and not has_h1 else []
    nodes = MarkdownNodeParser(include_metadata=False).get_nodes_from_documents(
        [Document(text=body)]
    )
    stack: list[tuple[int, str]] = []
    pieces: list[_Piece] = []
    cursor = 0
    for node in nodes:
        text = node.get_content()
        start = body.find(text, cursor)
        if start < 0:
            continue
        cursor = start + len(text)
        first_line = text.lstrip().split("\n", 1)[0]
        heading = _HEADING.match(first_line)
        if heading:
            level = len(heading.group(1))
            stack = [(lvl, name) for lvl, name in stack if lvl < level]
            stack.append((level, clean_heading(heading.group(2))))
            if not text.split("\n", 1)[1:] or not text.split("\n", 1)[1].strip():
                continue  # a heading with no body: its name lives on in the next section path
        section = SECTION_SEPARATOR.join(root + [name for _, name in stack])
        pieces.append(_Piece(body_start + start, body_start + cursor, section, None))
    return pieces


def _span_pieces(doc: LoadedDocument, spans: list[Span]) -> list[_Piece]:
    return [_Piece(s.start, s.end, s.label, s.page) for s in spans]


def _pack_records(
    doc: LoadedDocument, budget: int, count: Callable[[str], int]
) -> Iterator[_Piece]:
    """Group consecutive small records into one chunk, up to the token budget."""
    group: list[Span] = []
    used = 0
    for span in doc.spans:
        tokens = count(doc.text[span.start : span.end])
        if group and used + tokens > budget:
            yield _group_piece(group)
            group, used = [], 0
        group.append(span)
        used += tokens
    if group:
        yield _group_piece(group)


def _group_piece(group: list[Span]) -> _Piece:
    label = group[0].label if len(group) == 1 else f"{group[0].label} … {group[-1].label}"
    return _Piece(group[0].start, group[-1].end, label, None)


def chunk_document(
    doc: LoadedDocument,
    *,
    chunk_tokens: int,
    overlap_tokens: int,
    count_tokens: Callable[[str], int],
) -> list[Chunk]:
    """Chunks of ``doc`` in reading order, each within ``chunk_tokens`` of the embedder."""
    if doc.structure == "markdown":
        pieces = _markdown_pieces(doc)
    elif doc.structure == "pages":
        pieces = _span_pieces(doc, doc.spans)
    elif doc.structure == "records":
        pieces = list(_pack_records(doc, chunk_tokens, count_tokens))
    else:
        pieces = [_Piece(0, len(doc.text), "", None)]

    chunks: list[Chunk] = []
    for piece in pieces:
        region = doc.text[piece.start : piece.end]
        parts = _split(region, chunk_tokens, overlap_tokens, count_tokens)
        for start, end in _locate(region, parts, piece.start):
            # Trim surrounding whitespace without breaking text == source[start:end].
            raw = doc.text[start:end]
            lead = len(raw) - len(raw.lstrip())
            trail = len(raw) - len(raw.rstrip())
            start, end = start + lead, end - trail
            if end <= start:
                continue
            chunks.append(
                Chunk(len(chunks), doc.text[start:end], piece.section, piece.page, start, end)
            )
    return chunks
