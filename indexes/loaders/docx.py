"""Word (.docx) files, rendered to Markdown so their headings drive chunking."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from indexes.loaders.document import LoadedDocument, LoadError
from indexes.loaders.markdown import body_line, markdown_title


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    """A Word document as Markdown (headings, lists, tables in order); LoadError when broken."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
        styles = [(p.style.name if p.style is not None else "") or "" for p in document.paragraphs]
        # A "Title" paragraph is the root; Heading 1 sections then sit one level below it.
        shift = 1 if "Title" in styles else 0
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = [" ".join(cell.text.split()) for cell in row.cells]
                    if any(cells):
                        lines.append(body_line(" | ".join(cells)))
                continue
            text = block.text.strip()
            if not text:
                continue
            style = (block.style.name if block.style is not None else "") or ""
            level = re.match(r"Heading (\d)$", style)
            if style == "Title":
                lines += ["", "# " + " ".join(text.split())]
            elif level:
                depth = min(6, int(level.group(1)) + shift)
                lines += ["", "#" * depth + " " + " ".join(text.split())]
            else:
                body = "\n".join(body_line(line) for line in text.split("\n"))
                lines.append(("- " if "List" in style else "") + body)
        meta_title = " ".join((document.core_properties.title or "").split())
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError,
            XMLSyntaxError) as exc:  # fmt: skip
        raise LoadError(
            f"{path}: not a readable DOCX file ({type(exc).__name__}: {exc})",
            hint="re-save it from Word or LibreOffice as .docx",
        ) from exc
    text = "\n".join(lines).strip() + "\n"
    return LoadedDocument(text, markdown_title(text, meta_title or path.stem), "docx", "markdown")
