"""Word (.docx) files, rendered to Markdown so their headings drive chunking."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from indexes.loaders.document import LoadedDocument, LoadError
from indexes.loaders.markdown import body_line, markdown_title
from indexes.tables import markdown_table

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _first_row_heads(table: Any) -> bool:
    """Whether a Word table's first row is its header: marked to repeat on each page, or the
    table style's "Header Row" option is on (Word's default for a new table)."""
    rows = table._tbl.tr_lst
    if rows and rows[0].find(f"{_W}trPr/{_W}tblHeader") is not None:
        return True
    look = table._tbl.tblPr.find(f"{_W}tblLook")
    if look is None:
        return False
    first_row = look.get(f"{_W}firstRow")
    if first_row is not None:
        return first_row in ("1", "true", "on")
    # Older files give the options as a hex bit mask only; 0x0020 is "first row".
    return bool(int(look.get(f"{_W}val", "0"), 16) & 0x0020)


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
                rows = [[" ".join(c.text.split()) for c in row.cells] for row in block.rows]
                # An empty first row heads nothing: the next row is data, not column names.
                heads = bool(rows) and any(rows[0]) and _first_row_heads(block)
                rows = [row for row in rows if any(row)]
                if rows:
                    lines.extend(markdown_table(rows, header=heads))
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
