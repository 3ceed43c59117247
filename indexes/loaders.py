"""Load one file into text plus its structure (headings, pages, records), or say why not.

Every format becomes a ``LoadedDocument`` whose ``text`` is what chunk offsets point into:
Markdown and text are kept as written; PDF pages (read with LlamaIndex's PDFReader, one
document per page) are joined with blank lines and their spans recorded; HTML and DOCX are
rendered to Markdown so their headings drive chunking (LlamaIndex's own HTML and DOCX readers
flatten headings away, and the heading path is what a citation needs); CSV and JSON records
are rendered as ``key: value`` lines, one record per span.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ragtune.errors import InputError

Structure = Literal["markdown", "plain", "pages", "records"]

FORMATS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
}


class LoadError(InputError):
    """A file that cannot be ingested; ``message`` says why."""


@dataclass
class Span:
    """A labelled region of the text: a PDF page or a CSV/JSON record."""

    start: int
    end: int
    label: str = ""
    page: int | None = None


@dataclass
class LoadedDocument:
    """A file's text and the structure chunking needs."""

    text: str
    title: str
    format: str
    structure: Structure
    spans: list[Span] = field(default_factory=list)


def format_of(path: Path) -> str | None:
    """The ragtune format name for a file, or None when the extension is not supported."""
    return FORMATS.get(path.suffix.lower())


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.1f} KB" if n >= 1_000 else f"{n} bytes"


def _binary_error(path: Path) -> LoadError:
    return LoadError(
        f"{path}: looks like a binary file (NUL bytes) but has a text extension",
        hint="check the file; only text, Markdown, HTML, CSV and JSON are read as text",
    )


def decode_text(data: bytes, path: Path) -> str:
    """Decode a text file strictly: UTF-8 (with or without BOM) or BOM-marked UTF-16.

    NUL characters are refused anywhere in the file: PostgreSQL text cannot store them.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"{path}: invalid UTF-16 text ({exc.reason})") from exc
        if "\x00" in text:
            raise _binary_error(path)
        return text
    if b"\x00" in data:
        raise _binary_error(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig reports positions after the BOM it skipped; point into the file instead.
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise LoadError(
            f"{path}: not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset}, line {line})",
            hint="re-save the file as UTF-8, e.g. iconv -f latin1 -t utf-8",
        ) from exc


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


def _body_line(text: str) -> str:
    """A line of converted prose, escaped so it cannot turn into a heading or a code fence."""
    return "\\" + text if _LOOKS_LIKE_MARKUP.match(text) else text


def _load_pdf(path: Path, data: bytes) -> LoadedDocument:
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
    parts: list[str] = []
    spans: list[Span] = []
    cursor = 0
    for number, page in enumerate(pages, start=1):
        page_text = (page.text or "").replace("\x00", "").strip()
        if not page_text:
            continue
        if parts:
            cursor += 2
        spans.append(Span(cursor, cursor + len(page_text), page=number))
        parts.append(page_text)
        cursor += len(page_text)
    text = "\n\n".join(parts)
    # The document's own title beats the first line, which is often a running page header.
    title = " ".join(str(meta_title).split())
    first_line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return LoadedDocument(text, title or first_line[:120] or path.stem, "pdf", "pages", spans)


_HTML_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HTML_LINES = {"p", "li", "dt", "dd", "blockquote", "caption", "figcaption", "summary"}
_HTML_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font",
    "i", "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong",
    "sub", "sup", "time", "tt", "u", "var", "wbr",
}  # fmt: skip


def _inline_text(element: Any) -> str:
    """An element's text on one line, as a reader sees it.

    Inline markup joins up ("<b>72 h</b>." reads "72 h."); line breaks and nested blocks
    become spaces.
    """
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    parts: list[str] = []
    for node in element.descendants:
        if isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            parts.append(str(node))
        elif isinstance(node, Tag) and (node.name == "br" or node.name not in _HTML_INLINE):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _html_to_markdown(markup: str) -> tuple[str, str]:
    """Markdown lines for an HTML page (headings kept), and its <title>."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import PreformattedString

    soup = BeautifulSoup(markup, "html.parser")
    title = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    for tag in soup(["head", "title", "script", "style", "noscript", "template", "nav"]):
        tag.decompose()
    lines: list[str] = []
    loose: list[str] = []  # text outside any block element, e.g. directly inside a <div>

    def flush() -> None:
        text = " ".join("".join(loose).split())
        loose.clear()
        if text:
            lines.append(_body_line(text))

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue  # comments, doctype, CDATA
            if isinstance(child, NavigableString):
                loose.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HTML_INLINE:
                loose.append(" " if name == "br" else "")
                walk(child)
                continue
            flush()
            text = _inline_text(child)
            if name in _HTML_HEADINGS:
                if text:
                    lines.extend(["", "#" * int(name[1]) + " " + text])
            elif name == "pre":
                # Fenced, so code lines such as "# comment" never read as headings.
                code = child.get_text().strip("\n")
                longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
                fence = "`" * max(3, longest + 1)
                if code.strip():
                    lines.extend([fence, code, fence])
            elif name == "tr":
                cells = [_inline_text(c) for c in child.find_all(["th", "td"])]
                if any(cells):
                    lines.append(_body_line(" | ".join(cells)))
            elif name in _HTML_LINES:
                if text:
                    lines.append(("- " if name == "li" else "") + _body_line(text))
            else:
                walk(child)
                flush()

    walk(soup)
    flush()
    return "\n".join(lines).strip() + "\n", title


def _load_docx(path: Path, data: bytes) -> LoadedDocument:
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
                        lines.append(_body_line(" | ".join(cells)))
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
                body = "\n".join(_body_line(line) for line in text.split("\n"))
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


def _flatten(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        out: list[str] = []
        for key, item in value.items():
            out += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [f"{prefix}: {', '.join(str(v) for v in value)}"]
        out = []
        for i, item in enumerate(value):
            out += _flatten(item, f"{prefix}[{i}]")
        return out
    return [f"{prefix}: {value}" if prefix else str(value)]


_LABEL_KEYS = ("title", "name", "question", "id", "sku", "model")


def _records_document(
    records: list[tuple[int, Any]], title: str, fmt: str, unit: str
) -> LoadedDocument:
    parts: list[str] = []
    spans: list[Span] = []
    cursor = 0
    for number, record in records:
        body = "\n".join(_flatten(record))
        if not body.strip():
            continue
        label = f"{unit} {number}"
        if isinstance(record, dict):
            for key in _LABEL_KEYS:
                if isinstance(record.get(key), str | int) and str(record[key]).strip():
                    label = f"{label}: {str(record[key]).strip()[:80]}"
                    break
        if parts:
            cursor += 2
        spans.append(Span(cursor, cursor + len(body), label=label))
        parts.append(body)
        cursor += len(body)
    return LoadedDocument("\n\n".join(parts), title, fmt, "records", spans)


def _load_csv(text: str, path: Path) -> LoadedDocument:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or any(not (f or "").strip() for f in reader.fieldnames):
        raise LoadError(f"{path}: CSV needs a header row naming every column")
    repeated = sorted({f for f in reader.fieldnames if reader.fieldnames.count(f) > 1})
    if repeated:
        # DictReader would keep only the last of the same-named columns, losing the others.
        raise LoadError(
            f"{path}: CSV header repeats column {', '.join(repeated)}",
            hint="give every column a unique name",
        )
    rows: list[tuple[int, Any]] = []
    for row in reader:
        if None in row:
            raise LoadError(
                f"{path}: line {reader.line_num} has more fields than the header",
                hint="quote values that contain the delimiter",
            )
        rows.append((reader.line_num, {k: v for k, v in row.items() if v not in (None, "")}))
    return _records_document(rows, path.stem, "csv", "Row")


def _load_json(text: str, path: Path, *, lines: bool) -> LoadedDocument:
    records: list[tuple[int, Any]] = []
    if lines:
        # Split on "\n" only: str.splitlines() also breaks at U+2028 and friends, which JSON
        # allows unescaped inside strings.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                records.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise LoadError(
                    f"{path}: line {number} is not valid JSON ({exc.msg} at column {exc.colno})",
                    hint="fix or remove that line; every line must be one JSON value",
                ) from exc
        return _records_document(records, path.stem, "jsonl", "Line")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v]
        data = lists[0] if len(lists) == 1 else [data]
    if not isinstance(data, list):
        data = [data]
    return _records_document(list(enumerate(data, start=1)), path.stem, "json", "Record")


def load_file(path: Path, *, max_bytes: int) -> LoadedDocument:
    """Read ``path`` into a LoadedDocument; raise LoadError saying what is wrong with it."""
    fmt = format_of(path)
    if fmt is None:
        raise LoadError(
            f"{path}: unsupported format {path.suffix or '(no extension)'}",
            hint="supported: " + ", ".join(sorted(FORMATS)),
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                f"{path}: too large ({_size(size)} > {_size(max_bytes)})",
                hint="split the file, or raise RAGTUNE_MAX_FILE_MB",
            )
        if size == 0:
            raise LoadError(f"{path}: empty file")
        data = path.read_bytes()
    except PermissionError as exc:
        raise LoadError(f"{path}: cannot read (permission denied)") from exc
    except IsADirectoryError as exc:
        raise LoadError(f"{path}: is a directory") from exc
    except FileNotFoundError as exc:
        raise LoadError(f"{path}: no such file") from exc

    if fmt == "pdf":
        # The PDF spec lets the header sit anywhere in the first 1024 bytes.
        if b"%PDF-" not in data[:1024]:
            raise LoadError(f"{path}: not a PDF file (no %PDF header)")
        doc = _load_pdf(path, data)
    elif fmt == "docx":
        doc = _load_docx(path, data)
    else:
        text = decode_text(data, path)
        if fmt == "markdown":
            doc = LoadedDocument(text, markdown_title(text, path.stem), fmt, "markdown")
        elif fmt == "text":
            doc = LoadedDocument(text, path.stem, fmt, "plain")
        elif fmt == "html":
            body, title = _html_to_markdown(text)
            doc = LoadedDocument(body, title or markdown_title(body, path.stem), fmt, "markdown")
        elif fmt == "csv":
            doc = _load_csv(text, path)
        else:
            doc = _load_json(text, path, lines=fmt == "jsonl")
    if not doc.text.strip():
        raise LoadError(f"{path}: no extractable text", hint="is it a scanned image or empty?")
    front = front_matter(doc.text) if doc.structure == "markdown" else None
    if front and not doc.text[front[0] :].strip():
        raise LoadError(f"{path}: only front matter, no body text")
    return doc
