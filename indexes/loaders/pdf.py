"""PDF files: one span per page with text, read with LlamaIndex's PDFReader; a page that may
hold a table (ruled, or aligned in columns) is read again with pdfplumber, so the table's rows
keep their cells (indexes/loaders/pdf_tables.py)."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

from indexes.loaders.document import LoadedDocument, LoadError, join_blocks
from indexes.loaders.font_headings import headings
from indexes.loaders.pdf_headings import font_lines, running_lines, with_headings
from indexes.loaders.pdf_tables import (
    Blocks,
    blocks_text,
    carry_headers,
    may_hold_aligned_table,
    may_hold_ruled_table,
    page_blocks,
)

log = logging.getLogger(__name__)


def _with_tables(data: bytes, reader: Any, page_texts: list[str], path: Path) -> list[str]:
    """``page_texts`` with each page that may hold a table read again by pdfplumber."""
    if len(page_texts) != len(reader.pages):
        return page_texts
    ruled = {i for i, page in enumerate(reader.pages) if may_hold_ruled_table(page)}
    aligned = {i for i, page in enumerate(reader.pages) if may_hold_aligned_table(page)}
    if not ruled | aligned:
        return page_texts
    import pdfplumber

    parsed: dict[int, Blocks] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i in sorted(ruled | aligned):
                try:
                    blocks = page_blocks(pdf.pages[i], aligned=i in aligned)
                except Exception as exc:  # noqa: BLE001 - that page keeps its plain text
                    log.warning(
                        "%s: page %d: tables not read (%s)", path, i + 1, type(exc).__name__
                    )
                    continue
                if blocks:
                    parsed[i] = blocks
    except Exception as exc:  # noqa: BLE001 - pdfminer refuses a file pypdf read: plain text
        log.warning("%s: tables not read (%s)", path, type(exc).__name__)
    carry_headers(parsed)
    out = list(page_texts)
    for i, blocks in parsed.items():
        out[i] = blocks_text(blocks).replace("\x00", "")
    return out


# A word broken at a line's end by a hyphen: "reim-" / "bursement".
_BROKEN = re.compile(r"\b([A-Za-z]+)-\n([a-z]+)\b ?")
_WORD = re.compile(r"[a-z]+")


def _joined_hyphens(page_texts: list[str]) -> list[str]:
    """``page_texts`` with each word that a hyphen broke across two lines ("reim-" /
    "bursement") on one line again: whole where the document writes it whole elsewhere, else
    with its hyphen, as a compound broken at its own hyphen is ("self-service")."""
    words = set(_WORD.findall(" ".join(page_texts).lower()))

    def join(m: re.Match[str]) -> str:
        whole = m.group(1) + m.group(2)
        return (whole if whole.lower() in words else f"{m.group(1)}-{m.group(2)}") + "\n"

    return [_BROKEN.sub(join, text) for text in page_texts]


def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    """A PDF's pages joined by blank lines, each page a span; LoadError when unreadable."""
    # The PDF spec lets the header sit anywhere in the first 1024 bytes.
    if b"%PDF-" not in data[:1024]:
        raise LoadError(f"{path}: not a PDF file (no %PDF header)")
    import pypdf

    # Parse once with pypdf first: a broken or locked file fails here with one clear error,
    # instead of inside PDFReader, whose retry decorator parses a broken file three times.
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(
                f"{path}: the PDF is password-protected",
                hint="save an unprotected copy of the PDF",
            )
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
        len(reader.pages)
    except LoadError:
        raise
    except Exception as exc:  # pypdf raises many unrelated types on bad files
        raise LoadError(
            f"{path}: not a readable PDF ({type(exc).__name__}: {exc})",
            hint="re-export the PDF, or remove it from the folder",
        ) from exc
    from llama_index.readers.file import PDFReader

    try:
        pages = PDFReader(return_full_document=False).load_data(path)
    except Exception as exc:  # pypdf raises many unrelated types on bad files
        cause = exc.last_attempt.exception() if hasattr(exc, "last_attempt") else exc
        raise LoadError(
            f"{path}: not a readable PDF ({type(cause).__name__}: {cause})",
            hint="re-export the PDF, or remove it from the folder",
        ) from exc
    page_texts = [(page.text or "").replace("\x00", "").strip() for page in pages]
    page_texts = _with_tables(data, reader, page_texts, path)
    if len(page_texts) == len(reader.pages):
        found = headings([font_lines(page) for page in reader.pages])
        running = running_lines(page_texts)
        page_texts = [with_headings(t, f, running) for t, f in zip(page_texts, found, strict=True)]
    page_texts = _joined_hyphens(page_texts)
    text, spans = join_blocks(
        (page_text, "", number) for number, page_text in enumerate(page_texts, start=1) if page_text
    )
    # The document's own title beats the first line (its first heading, when it has one).
    title = " ".join(str(meta_title).split())
    first_line = text.strip().splitlines()[0].strip().lstrip("#").strip() if text.strip() else ""
    return LoadedDocument(text, title or first_line[:120] or path.stem, "pdf", "pages", spans)
