"""PDF files: one span per page with text, read with LlamaIndex's PDFReader."""

from __future__ import annotations

import io
from pathlib import Path

from indexes.loaders.document import LoadedDocument, LoadError, join_blocks


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
    text, spans = join_blocks(
        (page_text, "", number) for number, page_text in enumerate(page_texts, start=1) if page_text
    )
    # The document's own title beats the first line, which is often a running page header.
    title = " ".join(str(meta_title).split())
    first_line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return LoadedDocument(text, title or first_line[:120] or path.stem, "pdf", "pages", spans)
