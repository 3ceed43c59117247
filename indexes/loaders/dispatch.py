"""Which loader reads a file, by extension, after the checks every format shares."""

from __future__ import annotations

from pathlib import Path

from indexes.loaders.document import LoadedDocument, LoadError
from indexes.loaders.docx import load_docx
from indexes.loaders.html import load_html
from indexes.loaders.markdown import front_matter, load_markdown
from indexes.loaders.pdf import load_pdf
from indexes.loaders.records import load_csv, load_json
from indexes.loaders.text import decode_text, load_text

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


def format_of(path: Path) -> str | None:
    """The ragtune format name for a file, or None when the extension is not supported."""
    return FORMATS.get(path.suffix.lower())


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.1f} KB" if n >= 1_000 else f"{n} bytes"


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
        doc = load_pdf(path, data)
    elif fmt == "docx":
        doc = load_docx(path, data)
    else:
        text = decode_text(data, path)
        if fmt == "markdown":
            doc = load_markdown(text, path)
        elif fmt == "text":
            doc = load_text(text, path)
        elif fmt == "html":
            doc = load_html(text, path)
        elif fmt == "csv":
            doc = load_csv(text, path)
        else:
            doc = load_json(text, path, lines=fmt == "jsonl")
    if not doc.text.strip():
        raise LoadError(f"{path}: no extractable text", hint="is it a scanned image or empty?")
    front = front_matter(doc.text) if doc.structure == "markdown" else None
    if front and not doc.text[front[0] :].strip():
        raise LoadError(f"{path}: only front matter, no body text")
    return doc
