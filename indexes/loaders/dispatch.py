"""Which loader reads a file, by extension, after the checks every format shares."""

from __future__ import annotations

from pathlib import Path

from indexes.loaders.document import LoadedDocument, LoadError, RedirectStub
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


def _parse(fmt: str, path: Path, data: bytes) -> LoadedDocument:
    """The loader for ``fmt`` run on the file's bytes."""
    if fmt == "pdf":
        return load_pdf(path, data)
    if fmt == "docx":
        return load_docx(path, data)
    text = decode_text(data, path)
    if fmt == "markdown":
        return load_markdown(text, path)
    if fmt == "text":
        return load_text(text, path)
    if fmt == "html":
        return load_html(text, path)
    if fmt == "csv":
        return load_csv(text, path)
    return load_json(text, path, lines=fmt == "jsonl")


def load_file(path: Path, *, max_bytes: int) -> LoadedDocument:
    """Read ``path`` into a LoadedDocument; raise LoadError saying what is wrong with it.

    A redirect stub raises RedirectStub, a LoadError that ingest reports as skipped.

    Never raises anything else for a bad file: a parser's own exception becomes the
    LoadError that ingest reports for this file alone.
    """
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

    try:
        doc = _parse(fmt, path, data)
    except LoadError:
        raise
    except Exception as exc:
        # A parser crash (a library bug, a recursion limit, a malformed container) is this
        # file's problem only: it is reported with the reason and the other files go on.
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise LoadError(
            f"{path}: could not be read as {fmt} ({type(exc).__name__}"
            + (f": {detail})" if detail else ")"),
            hint="check that the file is not damaged, or convert it to another format",
        ) from exc
    if not doc.text.strip():
        raise LoadError(f"{path}: no extractable text", hint="is it a scanned image or empty?")
    front = front_matter(doc.text) if doc.structure == "markdown" else None
    if front and not doc.text[front[0] :].strip():
        target = front[1].get("redirect_to")
        if isinstance(target, str) and target.strip():
            target = target.strip()
            raise RedirectStub(f"{path}: a redirect to {target}, no text of its own", target)
        raise LoadError(f"{path}: only front matter, no body text")
    return doc
