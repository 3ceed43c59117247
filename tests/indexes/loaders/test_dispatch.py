"""The checks every format shares: extension, size, emptiness, reading the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexes.loaders.document import LoadError, RedirectStub
from ragtune.errors import InputError
from tests.indexes.loaders.sample_files import refused, write


def test_load_errors_are_input_errors_for_the_cli_and_service() -> None:
    assert issubclass(LoadError, InputError)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    assert "empty file" in refused(write(tmp_path, "empty.md", b"")).message


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    assert "no extractable text" in refused(write(tmp_path, "blank.txt", "  \n\n\t\n")).message


@pytest.mark.parametrize("ending", ["\n", "", "\n\n  \n"])
def test_markdown_with_only_front_matter_is_refused(tmp_path: Path, ending: str) -> None:
    path = write(tmp_path, "stub.md", "---\ntitle: Coming soon\n---" + ending)
    assert "only front matter, no body text" in refused(path).message


def test_a_redirect_stub_is_refused_as_a_redirect_with_its_target(tmp_path: Path) -> None:
    path = write(tmp_path, "moved.md", "---\ntitle: Moved\nredirect_to: /new/place/\n---\n")
    error = refused(path)
    assert isinstance(error, RedirectStub) and error.target == "/new/place/"
    assert error.message == f"{path}: a redirect to /new/place/, no text of its own"


def test_a_redirect_with_a_body_is_a_document(tmp_path: Path) -> None:
    from indexes.loaders.dispatch import load_file

    path = write(tmp_path, "moved.md", "---\nredirect_to: /new/\n---\nThis page moved.\n")
    assert "This page moved." in load_file(path, max_bytes=10_000).text


def test_oversize_file_is_refused_with_readable_sizes(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "big.md", "# Big\n" + "x" * 494), max_bytes=100)
    assert "too large (500 bytes > 100 bytes)" in error.message
    assert "RAGTUNE_MAX_FILE_MB" in error.hint


@pytest.mark.parametrize("name", ["slides.pptx", "README", "archive.tar.gz"])
def test_unsupported_extension_is_refused_with_the_supported_list(
    tmp_path: Path, name: str
) -> None:
    error = refused(write(tmp_path, name, "text"))
    assert "unsupported format" in error.message
    assert ".md" in error.hint and ".pdf" in error.hint


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    assert "no such file" in refused(tmp_path / "gone.md").message
    (tmp_path / "folder.md").mkdir()
    assert "is a directory" in refused(tmp_path / "folder.md").message
