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


def decode_text(data: bytes, path: Path) -> str:
    """Decode a text file strictly: UTF-8 (with or without BOM) or BOM-marked UTF-16."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"{path}: invalid UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data[:8192]:
        raise LoadError(
            f"{path}: looks like a binary file (NUL bytes) but has a text extension",
            hint="check the file; only text, Markdown, HTML, CSV and JSON are read as text",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="re-save the file as UTF-8, e.g. iconv -f latin1 -t utf-8",
        ) from exc


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def markdown_title(text: str, fallback: str) -> str:
    """Title from YAML front matter, else the first level-1 heading, else ``fallback``."""
    front = _FRONT_MATTER.match(text)
    if front:
        import yaml

        try:
            meta = yaml.safe_load(front.group(1))
        except yaml.YAMLError:
            meta = None
        if isinstance(meta, dict) and str(meta.get("title") or "").strip():
            return html.unescape(" ".join(str(meta["title"]).split()))
    heading = _H1.search(text)
    return heading.group(1).strip() if heading else fallback


def _load_pdf(path: Path) -> LoadedDocument:
    from llama_index.readers.file import PDFReader

    try:
        pages = PDFReader(return_full_document=False).load_data(path)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many unrelated types on bad files
        cause = exc.last_attempt.exception() if hasattr(exc, "last_attempt") else exc
        raise LoadError(
            f"{path}: not a readable PDF ({type(cause).__name__}: {cause})",
            hint="re-export the PDF, or remove it from the folder",
        ) from exc
    parts: list[str] = []
    spans: list[Span] = []
    cursor = 0
    for number, page in enumerate(pages, start=1):
        page_text = (page.text or "").strip()
        if not page_text:
            continue
        if parts:
            cursor += 2
        spans.append(Span(cursor, cursor + len(page_text), page=number))
        parts.append(page_text)
        cursor += len(page_text)
    text = "\n\n".join(parts)
    first_line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return LoadedDocument(text, first_line[:120] or path.stem, "pdf", "pages", spans)


def _html_to_markdown(html: str) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lines: list[str] = []
    blocks = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "tr", "dt", "dd", "blockquote"]
    for el in soup.find_all(blocks):
        if el.find_parent(["li", "pre", "tr", "blockquote"]) and el.name not in ("tr",):
            continue  # nested blocks are rendered with their parent
        if el.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in el.find_all(["th", "td"])]
            line = " | ".join(c for c in cells)
        else:
            line = el.get_text(" ", strip=True)
        if not line:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            line = "#" * int(el.name[1:]) + " " + line
            lines.append("")
        elif el.name == "li":
            line = "- " + line
        lines.append(line)
    return "\n".join(lines).strip() + "\n", title


def _docx_to_markdown(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise LoadError(
            f"{path}: not a readable DOCX file ({type(exc).__name__})",
            hint="re-save it from Word or LibreOffice as .docx",
        ) from exc
    lines: list[str] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        level = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines += ["", "# " + text]
        elif level:
            lines += ["", "#" * int(level.group(1)) + " " + text]
        elif "List" in style:
            lines.append("- " + text)
        else:
            lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines).strip() + "\n"


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
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or any(not (f or "").strip() for f in reader.fieldnames):
        raise LoadError(f"{path}: CSV needs a header row naming every column")
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
        for number, line in enumerate(text.splitlines(), start=1):
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
                f"{path}: too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB)",
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
        if not data.startswith(b"%PDF"):
            raise LoadError(f"{path}: not a PDF file (no %PDF header)")
        doc = _load_pdf(path)
    elif fmt == "docx":
        doc = LoadedDocument(_docx_to_markdown(path), path.stem, "docx", "markdown")
        doc.title = markdown_title(doc.text, path.stem)
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
    front = _FRONT_MATTER.match(doc.text) if doc.structure == "markdown" else None
    if front and not doc.text[front.end() :].strip():
        raise LoadError(f"{path}: only front matter, no body text")
    return doc
