"""Plain text files and the strict decoding every text format goes through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.indexes.loaders.sample_files import load, refused, write


def test_plain_text_is_kept_verbatim_and_titled_by_file_name(tmp_path: Path) -> None:
    source = "FIRMWARE ROLLOUT\n\nStage 1: canary.\nStage 2: everyone.\n"
    doc = load(write(tmp_path, "firmware-rollout.txt", source))
    assert doc.text == source
    assert (doc.title, doc.format, doc.structure, doc.spans) == (
        "firmware-rollout",
        "text",
        "plain",
        [],
    )


def test_utf8_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "bom.md", b"\xef\xbb\xbf# Caf\xc3\xa9 Menu\n\nCr\xc3\xa8me.\n"))
    assert doc.text == "# Café Menu\n\nCrème.\n"
    assert doc.title == "Café Menu"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_byte_order_mark_is_accepted(tmp_path: Path, encoding: str) -> None:
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    data = bom + "# Müller GmbH\n\nZürich office.\n".encode(encoding)
    doc = load(write(tmp_path, "utf16.md", data))
    assert doc.text == "# Müller GmbH\n\nZürich office.\n"
    assert doc.title == "Müller GmbH"


def test_latin1_text_is_refused_with_the_bad_byte_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "menu.txt", "Menu\nCafé au lait\n".encode("latin-1"))
    error = refused(path)
    assert "not valid UTF-8 (byte 0xe9 at offset 8, line 2)" in error.message
    assert "iconv" in error.hint


def test_binary_bytes_in_a_text_file_are_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "image.txt", b"GIF89a\x00\x01\x00\x00"))
    assert "binary file (NUL bytes)" in error.message


def test_nul_byte_deep_in_a_text_file_is_refused(tmp_path: Path) -> None:
    # PostgreSQL text cannot hold NUL, so a late one must be caught here, not at insert time.
    error = refused(write(tmp_path, "log.md", b"# Log\n" + b"ok\n" * 5000 + b"\x00"))
    assert "NUL bytes" in error.message
