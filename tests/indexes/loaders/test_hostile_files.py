"""Files built to crash a parser fail alone, with their reason, never as an exception."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from indexes.loaders.dispatch import load_file
from indexes.loaders.document import LoadError

DEPTHS = [100, 990, 5000]


def _deep_json(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_deeply_nested_json_is_a_load_error(tmp_path: Path, depth: int, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    body = _deep_json(depth) if suffix == ".json" else "[" * depth + "1" + "]" * depth + "\n"
    path.write_text(body)
    with pytest.raises(LoadError, match="nested"):
        load_file(path, max_bytes=10**8)


def test_deep_json_fails_the_same_on_a_deep_stack(tmp_path: Path) -> None:
    """In the service the loader runs far down the stack; the result must not change."""
    path = tmp_path / "deep.json"
    path.write_text(_deep_json(990))

    def descend(n: int) -> None:
        if n:
            descend(n - 1)
            return
        with pytest.raises(LoadError, match="nested"):
            load_file(path, max_bytes=10**8)

    descend(sys.getrecursionlimit() - 200)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.docx", b"PK\x03\x04 not really a zip archive"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n%%EOF"),
        ("nested.html", ("<div>" * 3000 + "deep" + "</div>" * 3000).encode()),
    ],
)
def test_a_parser_crash_is_a_load_error(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        doc = load_file(path, max_bytes=10**8)
    except LoadError as exc:
        assert str(path) in exc.message
    else:
        assert doc.text.strip()  # read it after all: fine, as long as nothing else escaped
