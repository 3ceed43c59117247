"""Word (.docx) files, rendered to Markdown so their headings drive chunking."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from indexes.loaders.document import LoadedDocument, LoadError
from indexes.loaders.font_headings import FontLine, headings
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


_HEADING_STYLE = re.compile(r"Heading (\d)$")
# Word's size when neither a run, its paragraph's styles nor the document's defaults set one.
WORD_DEFAULT_SIZE = 11.0


def _style_chain(paragraph: Any) -> Iterator[Any]:
    """A paragraph's style, then the styles it is based on (a loop in a broken file ends)."""
    style = paragraph.style
    for _ in range(8):
        if style is None:
            return
        yield style
        style = style.base_style


def _outline(element: Any) -> int | None:
    """The heading level an outline level gives (1-9), 0 for body text, None when unset."""
    found = element.find(f"{_W}pPr/{_W}outlineLvl")
    value = found.get(f"{_W}val", "") if found is not None else ""
    return (int(value) + 1 if int(value) < 9 else 0) if value.isdigit() else None


def _styled_level(paragraph: Any) -> int | None:
    """A paragraph's heading level by its style: "Heading N", a style based on one (a house
    style "Policy Heading" on "Heading 2"), or an outline level (Word's navigation pane)."""
    own = _outline(paragraph._p)
    if own is not None:
        return own or None
    for style in _style_chain(paragraph):
        named = _HEADING_STYLE.match(style.name or "")
        if named:
            return int(named.group(1))
        outline = _outline(style.element)
        if outline is not None:
            return outline or None
    return None


def _set_as(paragraph: Any, default_size: float) -> FontLine:
    """How a paragraph is set: its largest size, and whether all of its text is bold (each
    run's own setting, else its paragraph style's, up the style's bases)."""

    def inherited(name: str) -> Any:
        return next(
            (
                v
                for style in _style_chain(paragraph)
                if (v := getattr(style.font, name)) is not None
            ),
            None,
        )

    style_size, style_bold = inherited("size"), inherited("bold")
    runs = [r for r in paragraph.runs if r.text.strip()]
    sizes = [(r.font.size or style_size) for r in runs]
    size = max((s.pt for s in sizes if s is not None), default=default_size)
    bold = bool(runs) and all(r.bold if r.bold is not None else bool(style_bold) for r in runs)
    return FontLine(" ".join(paragraph.text.split()), size, bold)


def _default_size(document: Any) -> float:
    sizes = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:sz/@w:val")
    return int(sizes[0]) / 2 if sizes and str(sizes[0]).isdigit() else WORD_DEFAULT_SIZE


def _set_headings(document: Any, paragraphs: Sequence[Any]) -> dict[int, tuple[int, str]]:
    """The paragraphs set as headings (bold and larger, or bold and numbered) in a document
    that uses no heading style, by their index in ``paragraphs``: (level, the heading's text;
    level 0 for a paragraph that goes on the one before). The PDF rule (``font_headings``)
    over the document as one page."""
    lines = [_set_as(p, _default_size(document)) for p in paragraphs]
    out: dict[int, tuple[int, str]] = {}
    at = 0
    for heading in headings([lines])[0]:
        while at < len(lines) and lines[at].text != heading.lines[0]:
            at += 1
        out[at] = (heading.level, " ".join(heading.lines))
        out.update((at + k, (0, "")) for k in range(1, len(heading.lines)))
        at += len(heading.lines)
    return out


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    """A Word document as Markdown (headings, lists, tables in order); LoadError when broken."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        paragraphs = [b for b in blocks if not isinstance(b, Table) and b.text.strip()]
        styles = [(p.style.name if p.style is not None else "") or "" for p in paragraphs]
        styled = [_styled_level(p) for p in paragraphs]
        # A "Title" paragraph is the root; Heading 1 sections then sit one level below it.
        shift = 1 if "Title" in styles else 0
        # An author who uses heading styles marks every heading with one; only a document with
        # none is read for lines set as headings.
        uses_styles = shift == 1 or any(level is not None for level in styled)
        set_as = {} if uses_styles else _set_headings(document, paragraphs)
        lines: list[str] = []
        number = 0
        for block in blocks:
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
            style, level, number = styles[number], styled[number], number + 1
            heading = set_as.get(number - 1)
            if style == "Title":
                lines += ["", "# " + " ".join(text.split())]
            elif level is not None:
                lines += ["", "#" * min(6, level + shift) + " " + " ".join(text.split())]
            elif heading is not None:
                if heading[0]:  # a heading set on two paragraphs is written once
                    lines += ["", "#" * heading[0] + " " + heading[1]]
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
