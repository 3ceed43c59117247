"""Plain text files, and the strict decoding every text-based format goes through."""

from __future__ import annotations

from pathlib import Path

from indexes.loaders.document import LoadedDocument, LoadError


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


def load_text(text: str, path: Path) -> LoadedDocument:
    """A plain text file, kept verbatim and titled by its file name."""
    return LoadedDocument(text, path.stem, "text", "plain")
