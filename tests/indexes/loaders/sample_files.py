"""Write sample files and load them the way ingestion does, for the loader tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexes.loaders.dispatch import load_file
from indexes.loaders.document import LoadedDocument, LoadError

MAX_BYTES = 1_000_000


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def load(path: Path, max_bytes: int = MAX_BYTES) -> LoadedDocument:
    return load_file(path, max_bytes=max_bytes)


def refused(path: Path, max_bytes: int = MAX_BYTES) -> LoadError:
    """The LoadError for ``path``, checked to name the file so the user knows which one."""
    with pytest.raises(LoadError) as caught:
        load_file(path, max_bytes=max_bytes)
    assert str(path) in caught.value.message
    return caught.value
