"""Split a loaded document into chunks that follow its structure and keep exact offsets.

Markdown is cut at its headings (fenced code respected), and sections longer than the token
budget are split further by LlamaIndex's SentenceSplitter, sized with the embedding model's
own tokenizer so no chunk is silently truncated when embedded. Every chunk's ``text`` equals
``document.text[start_char:end_char]``.

Headings come from ``loaders.markdown_headings``, the same scan that picks the title, rather
than from LlamaIndex's MarkdownNodeParser: the parser rewrites heading lines ("##<tab>A"
becomes "## A"), so some of its sections could not be found in the source and were dropped,
and it does not know ``~~~`` fences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from indexes.loaders.document import LoadedDocument
from indexes.loaders.markdown import front_matter, front_matter_title, markdown_headings
from indexes.sentences import CLOSERS
from indexes.tables import TableHeaders, with_table_header

SECTION_SEPARATOR = " > "
# Bumped whenever the chunks of an unchanged file would differ (how a loader renders it, where
# cuts fall, what a chunk carries): ingest re-chunks a file stored by another version
# (indexes/ingest/files.py), re-embedding only the chunks whose text changed. Documents stored
# before there was a version have none, so they get the whole-sentence cuts and table headers
# of 2026-12-06. Version 4: Word and HTML tables are rendered as headed pipe tables. Version 5:
# PDF tables drawn without lines are found too, a PDF's headings (read from its fonts) name
# its chunks' sections, and its running headers and footers are dropped; Word headings come
# from house styles, outline levels and, without heading styles, lines set as headings.
# Version 6: a cut may fall after a curly closing quote (’ ”), as a sentence ends there, and
# a section or text longer than MAX_REGION_CHARS is split at paragraph breaks first.
CHUNKER_VERSION = 6
_NON_SPACE = re.compile(r"\S")
# Where a reader can start: after a line break, or after a sentence's end and a space.
_ENDED = re.compile(rf"(?:\n|[.!?;:]{CLOSERS}*)$")  # followed by a space: "gsa.gov" goes on
_START = re.compile(rf"(?:\n|[.!?;:]{CLOSERS}*[ \t])\s*(?=\S)")
# Where a reader can stop: after a sentence's end (before a space), or at a line's end.
_STOPS = re.compile(rf"[.!?;:]{CLOSERS}*(?=\s)|[^\s](?=[ \t]*\n)")
_LINE_END = re.compile(r"[ \t]*\n")
# How far back a cut looks for the end of a sentence (its punctuation, closers and spaces).
_LOOK = 200
# The longest stretch handed to the sentence splitter at once. A section or a plain text file
# longer than this is first cut at a paragraph break (else a line, else a space): the
# splitter's sentence tokenizer runs each match under a 5-second wall-clock guard
# (nltk/redos.py), which a 4 MB text overran when two uploads were parsed at once.
MAX_REGION_CHARS = 20_000


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document."""

    ordinal: int
    text: str
    section: str
    page: int | None
    start_char: int
    end_char: int
    # The header lines of the Markdown table the chunk starts inside, below them (see
    # indexes/tables.py): its rows cannot be read without them. Not part of ``text``.
    table_header: str = ""

    @property
    def readable(self) -> str:
        """The chunk as read for its meaning (its sentence runs, the agent's quotes and
        checks): ``text`` after the table header it continues, if any."""
        return with_table_header(self.table_header, self.text)


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    section: str
    page: int | None


def _split(text: str, budget: int, overlap: int, count: Callable[[str], int]) -> list[str]:
    """Token-bounded pieces of ``text`` (sentence-aware), each a stripped substring of it."""
    if count(text) <= budget:
        return [text.strip()] if text.strip() else []
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(
        chunk_size=budget, chunk_overlap=overlap, tokenizer=lambda s: [0] * count(s)
    )
    return [piece for piece in splitter.split_text(text) if piece.strip()]


def _locate(
    source: str, pieces: list[str], overlap: int, count: Callable[[str], int]
) -> list[tuple[int, int]]:
    """Offsets of the splitter's pieces in ``source``, in order, together covering all of it.

    Each piece starts inside the previous one (at most ``overlap`` tokens back, preferred) or
    at the next non-space after it. Repetitive text (tables, lists, logs) can match in several
    such places, so the search backtracks until every piece fits and the last one ends the
    text: a plain forward search placed pieces inside text already covered and left the end
    of a section in no chunk at all.
    """

    def next_text(at: int) -> int:
        found = _NON_SPACE.search(source, at)
        return found.start() if found else len(source)

    def options(i: int, prev: tuple[int, int] | None) -> list[int]:
        piece = pieces[i]
        if prev is None:
            first = next_text(0)
            return [first] if source.startswith(piece, first) else []
        start, end = prev
        fitting: list[int] = []
        other: list[int] = []
        if overlap:
            # Starts inside the previous piece whose piece still reaches past its end.
            at = source.find(piece, start + 1, end - 1 + len(piece))
            while at >= 0:
                if at + len(piece) > end:
                    (fitting if count(source[at:end]) <= overlap else other).append(at)
                at = source.find(piece, at + 1, end - 1 + len(piece))
        after = next_text(end)
        follows = [after] if source.startswith(piece, after) else []
        return fitting + follows + other[::-1]

    last = len(source.rstrip())
    placed: list[tuple[int, int]] = []
    choices = [options(0, None)] if pieces else []
    dead_ends: set[tuple[int, int]] = set()
    while choices:
        i = len(choices) - 1
        if not choices[-1]:
            choices.pop()
            if placed:
                dead_ends.add((i - 1, placed.pop()[0]))
            continue
        at = choices[-1].pop(0)
        if (i, at) in dead_ends:
            continue
        span = (at, at + len(pieces[i]))
        if i + 1 < len(pieces):
            placed.append(span)
            choices.append(options(i + 1, span))
        elif span[1] == last:
            return [*placed, span]
        else:
            dead_ends.add((i, at))
    # Only if the splitter ever changed the text: place each piece by its stripped prefix.
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        found = max(source.find(piece.strip()[:40], cursor), cursor)
        spans.append((found, min(len(source), found + len(piece))))
        cursor = found + 1
    return spans


def _markdown_pieces(doc: LoadedDocument) -> list[_Piece]:
    """One piece per heading section, named by its heading path ("A > B").

    The front matter title is the root of every path when the body has no level-1 heading.
    """
    front = front_matter(doc.text)
    body_start = front[0] if front else 0
    headings = [(body_start + at, level, name)
                for at, level, name in markdown_headings(doc.text[body_start:])]  # fmt: skip
    has_h1 = any(level == 1 for _, level, _ in headings)
    title = front_matter_title(doc.text)
    root = [title] if title and not has_h1 else []
    return _heading_pieces(doc.text, [(body_start, len(doc.text), None, "")], headings, root)


def _page_pieces(doc: LoadedDocument) -> list[_Piece]:
    """One piece per page, cut further where a heading starts (a PDF's headings are written
    as Markdown headings by its loader): each piece keeps its page and is named by the
    heading path it sits under, which goes on across pages."""
    regions = [(s.start, s.end, s.page, s.label) for s in doc.spans]
    return _heading_pieces(doc.text, regions, markdown_headings(doc.text))


def _heading_pieces(
    text: str,
    regions: list[tuple[int, int, int | None, str]],
    headings: list[tuple[int, int, str]],
    root: list[str] | None = None,
) -> list[_Piece]:
    """Each region of ``text`` (start, end, page, label) cut where a heading starts, each
    piece named by the heading path it sits under (after ``root``), which goes on from one
    region to the next; a region under no heading is named by its label."""
    stack: list[tuple[int, str]] = []
    pieces: list[_Piece] = []
    h = 0
    for region_start, region_end, page, label in regions:
        cuts: list[tuple[int, tuple[int, int, str] | None]] = [(region_start, None)]
        while h < len(headings) and headings[h][0] < region_end:
            if headings[h][0] >= region_start:
                cuts.append((headings[h][0], headings[h]))
            h += 1
        ends = [at for at, _ in cuts[1:]] + [region_end]
        for (start, heading), end in zip(cuts, ends, strict=True):
            if heading is not None:
                _, level, name = heading
                stack = [(lvl, n) for lvl, n in stack if lvl < level]
                stack.append((level, name))
                if "\n" not in text[start:end].strip():
                    continue  # a heading with no body: its name lives on in the next section path
            if text[start:end].strip():
                section = SECTION_SEPARATOR.join([*(root or []), *(n for _, n in stack)])
                pieces.append(_Piece(start, end, section or label, page))
    return pieces


def _bounded(pieces: list[_Piece], text: str) -> list[_Piece]:
    """``pieces`` with each one longer than MAX_REGION_CHARS cut into parts that are not,
    at the last paragraph break (else line break, else space) of each part's second half."""
    out: list[_Piece] = []
    for piece in pieces:
        start = piece.start
        while piece.end - start > MAX_REGION_CHARS:
            low, limit = start + MAX_REGION_CHARS // 2, start + MAX_REGION_CHARS
            for mark in ("\n\n", "\n", " "):
                found = text.rfind(mark, low, limit)
                if found >= 0:
                    cut = found + len(mark)
                    break
            else:
                cut = limit
            out.append(_Piece(start, cut, piece.section, piece.page))
            start = cut
        out.append(_Piece(start, piece.end, piece.section, piece.page))
    return out


def _opens_cleanly(text: str, start: int) -> bool:
    # Only the text just before ``start`` is read: searching all of it for each chunk made
    # chunking quadratic (a 4 MB text file took minutes).
    if not _NON_SPACE.search(text, 0, start):
        return True
    before = text[max(0, start - _LOOK) : start]
    return bool(_ENDED.search(before.rstrip(" \t"))) and before[-1:].isspace()


def _closes_cleanly(text: str, end: int) -> bool:
    return (
        not _NON_SPACE.search(text, end)
        or bool(_LINE_END.match(text, end))
        or (bool(_ENDED.search(text[max(0, end - _LOOK) : end])) and text[end : end + 1].isspace())
    )


def _whole_sentences(
    text: str, spans: list[tuple[int, int]], fits: Callable[[str, str], bool]
) -> list[tuple[int, int]]:
    """``spans`` (one section's chunks, in order) moved so that each opens and closes where a
    line or sentence does, wherever that loses no words and keeps the budgets.

    The splitter cuts an over-long sentence (a list or table with no full stop) at commas or
    words, and its overlap can open a chunk there ("gov](mailto:...) requesting elevation")
    or close one mid-item. Such a chunk embeds and quotes a fragment. A start moves back to
    the beginning of its line or sentence if the chunk still ``fits`` (its text, and what it
    shares with its neighbour), else forward to the next one the previous chunk already
    holds; an end moves forward to the end of its sentence if it fits, else back to the last
    one the next chunk already holds. Otherwise a cut stays where it is.
    """
    out = list(spans)
    for i in range(1, len(out)):
        (p_start, p_end), (start, end) = out[i - 1], out[i]
        if not _opens_cleanly(text, start):
            back = [m.end() for m in _START.finditer(text, p_start, start) if m.end() < start]
            forward = _START.search(text, start, min(p_end, end))
            if back and fits(text[back[-1] : end], text[back[-1] : p_end]):
                start = back[-1]
            elif forward:
                start = forward.end()
        if not _closes_cleanly(text, p_end):
            ahead = _STOPS.search(text, p_end, end)
            behind = [m.end() for m in _STOPS.finditer(text, max(start, p_start), p_end)]
            if ahead and fits(text[p_start : ahead.end()], text[start : ahead.end()]):
                p_end = ahead.end()
            elif behind and behind[-1] > p_start:
                p_end = behind[-1]
            p_end = p_start + len(text[p_start:p_end].rstrip())
        out[i - 1], out[i] = (p_start, p_end), (start, end)
    return out


def _record_pieces(doc: LoadedDocument) -> list[_Piece]:
    """One piece per record, labelled by it: packing several small records into one chunk
    mixed one record's question with another's answer under a label naming only the first,
    and made a quote from one record cite them all. A record longer than the budget is split
    further like any other piece."""
    return [_Piece(s.start, s.end, s.label, None) for s in doc.spans]


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
        pieces = _page_pieces(doc)
    elif doc.structure == "records":
        pieces = _record_pieces(doc)
    else:
        pieces = [_Piece(0, len(doc.text), "", None)]

    overlap = max(0, min(overlap_tokens, chunk_tokens // 2))
    chunks: list[Chunk] = []
    headers = TableHeaders(doc.text)
    for piece in _bounded(pieces, doc.text):
        region = doc.text[piece.start : piece.end]
        parts = _split(region, chunk_tokens, overlap, count_tokens)
        spans = []
        for offset, stop in _locate(region, parts, overlap, count_tokens):
            start, end = piece.start + offset, piece.start + stop
            # Trim surrounding whitespace without breaking text == source[start:end].
            raw = doc.text[start:end]
            lead = len(raw) - len(raw.lstrip())
            trail = len(raw) - len(raw.rstrip())
            if end - trail > start + lead:
                spans.append((start + lead, end - trail))
        spans = _whole_sentences(
            doc.text,
            spans,
            lambda t, shared: count_tokens(t) <= chunk_tokens and count_tokens(shared) <= overlap,
        )
        for start, end in spans:
            chunks.append(
                Chunk(
                    len(chunks),
                    doc.text[start:end],
                    piece.section,
                    piece.page,
                    start,
                    end,
                    headers.above(start),
                )
            )
    return chunks
