"""PDF files: one span per page with text, read with LlamaIndex's PDFReader; a page that
draws a ruled table is read again with pdfplumber, so the table's rows keep their cells."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

from indexes.loaders.document import LoadedDocument, LoadError, join_blocks
from indexes.tables import markdown_table

log = logging.getLogger(__name__)

# Drawing operators of a page's content stream: a rectangle ("x y w h re") or a line segment
# ("x y l"). A ruled table draws at least four; a page that draws fewer holds none, and is not
# parsed a second time (pdfminer's layout pass costs far more than pypdf's text).
_DRAWN = re.compile(rb"[\d.]\s+(?:re|l)\b")
_BOLD = re.compile(r"bold|black|heavy|demi", re.IGNORECASE)


def _may_hold_ruled_table(page: Any) -> bool:
    try:
        contents = page.get_contents()
        return contents is not None and len(_DRAWN.findall(contents.get_data())) >= 4
    except Exception:  # noqa: BLE001 - a broken stream: the page's text is read as before
        return False


def _fonts(page: Any, bbox: tuple[float, float, float, float]) -> list[str]:
    x0, top, x1, bottom = bbox
    return [
        c["fontname"]
        for c in page.chars
        if c["text"].strip()
        and x0 <= c["x0"] < x1
        and top <= (c["top"] + c["bottom"]) / 2 <= bottom
    ]


def _first_row_heads(page: Any, table: Any) -> bool:
    """Whether a PDF table's first row is its header: all of it set in a bold face, while the
    rows below are not (a PDF says nothing else about which row names the columns)."""
    if len(table.rows) < 2:
        return False
    x0, _, x1, bottom = table.bbox
    first = _fonts(page, table.rows[0].bbox)
    rest = _fonts(page, (x0, table.rows[0].bbox[3], x1, bottom))  # the rows below, in one pass
    return (
        bool(first)
        and all(_BOLD.search(f) for f in first)
        and not all(_BOLD.search(f) for f in rest)
    )


def _page_with_tables(page: Any) -> str | None:
    """A page's text with each ruled table as pipe-table lines, in reading order from the top;
    None when pdfplumber finds no table there."""
    tables = page.find_tables()
    if not tables:
        return None
    blocks: list[tuple[float, str]] = []
    for line in page.extract_text_lines(return_chars=False):
        middle = (line["top"] + line["bottom"]) / 2
        inside = any(
            t.bbox[1] <= middle <= t.bbox[3] and line["x0"] < t.bbox[2] and line["x1"] > t.bbox[0]
            for t in tables
        )
        if not inside:
            blocks.append((line["top"], line["text"]))
    for table in tables:
        rows = [[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
        heads = bool(rows) and any(rows[0]) and _first_row_heads(page, table)
        rows = [row for row in rows if any(row)]
        if rows:
            lines = markdown_table(rows, header=heads)
            blocks.append((table.bbox[1], "\n" + "\n".join(lines) + "\n"))
    blocks.sort(key=lambda block: block[0])
    return "\n".join(text for _, text in blocks).strip()


def _with_tables(data: bytes, reader: Any, page_texts: list[str], path: Path) -> list[str]:
    """``page_texts`` with each page that draws a ruled table read again by pdfplumber."""
    ruled = [i for i, page in enumerate(reader.pages) if _may_hold_ruled_table(page)]
    if not ruled or len(page_texts) != len(reader.pages):
        return page_texts
    import pdfplumber

    out = list(page_texts)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i in ruled:
                try:
                    text = _page_with_tables(pdf.pages[i])
                except Exception as exc:  # noqa: BLE001 - that page keeps its plain text
                    log.warning(
                        "%s: page %d: tables not read (%s)", path, i + 1, type(exc).__name__
                    )
                    continue
                if text:
                    out[i] = text.replace("\x00", "")
    except Exception as exc:  # noqa: BLE001 - pdfminer refuses a file pypdf read: plain text
        log.warning("%s: tables not read (%s)", path, type(exc).__name__)
    return out


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
    text, spans = join_blocks(
        (page_text, "", number) for number, page_text in enumerate(page_texts, start=1) if page_text
    )
    # The document's own title beats the first line, which is often a running page header.
    title = " ".join(str(meta_title).split())
    first_line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return LoadedDocument(text, title or first_line[:120] or path.stem, "pdf", "pages", spans)
