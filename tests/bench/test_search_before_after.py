"""The search benchmark's --compare-with: another checkout's search code imported beside this
one's, and both timed on the same rows (bench/search_before_after.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import indexes
import indexes.collections
import indexes.search
import indexes.search.options
from bench.handbook import Passage
from bench.search_before_after import before_after, load_search_module
from bench.search_corpus import COLLECTION, build_index, write_rows
from bench.search_timing import PRINCIPALS
from indexes.collections import drop_vector_index, ensure_collection
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search.options import MODES

REPO = Path(__file__).resolve().parents[2]

# Before the split into a package (commit a2ede7b), search was one file.
SINGLE_FILE = """
from dataclasses import dataclass

@dataclass
class SearchOptions:
    collection: str
    mode: str = "hybrid"

def search(db, embedder, query, principal, options):
    return "single file"
"""


def _package_checkout(root: Path) -> Path:
    """A copy of this checkout's indexes/ package, two of its modules marked."""
    shutil.copytree(
        REPO / "indexes", root / "indexes", ignore=shutil.ignore_patterns("__pycache__")
    )
    for module in ("search/options.py", "collections.py"):
        path = root / "indexes" / module
        path.write_text(path.read_text() + "\nBEFORE = True\n")
    return root


def test_a_package_checkout_is_imported_beside_this_one(tmp_path: Path) -> None:
    before = load_search_module(_package_checkout(tmp_path))
    # The old package and what it imports from indexes come from the old checkout ...
    assert Path(before.__file__).is_relative_to(tmp_path)
    assert before.options.BEFORE is True
    assert before.get_collection.__globals__["BEFORE"] is True  # the old indexes.collections
    assert before.SearchOptions is not indexes.search.SearchOptions
    assert before.SearchOptions(collection="c") == before.options.SearchOptions(collection="c")
    # ... and this checkout's search is untouched.
    assert sys.modules["indexes.search"] is indexes.search
    assert sys.modules["indexes.search.options"] is indexes.search.options
    assert sys.modules["indexes"] is indexes
    assert sys.modules["indexes.collections"] is indexes.collections
    assert not hasattr(indexes.search.options, "BEFORE")
    assert not hasattr(indexes.collections, "BEFORE")
    assert Path(indexes.search.__file__).is_relative_to(REPO)


def test_a_single_file_checkout_is_imported_too(tmp_path: Path) -> None:
    (tmp_path / "indexes").mkdir()
    (tmp_path / "indexes" / "__init__.py").write_text("")
    (tmp_path / "indexes" / "search.py").write_text(SINGLE_FILE)
    before = load_search_module(tmp_path)
    assert before.search(None, None, "q", None, before.SearchOptions(collection="c")) == (
        "single file"
    )
    assert sys.modules["indexes.search"] is indexes.search


def test_a_folder_without_search_code_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"no indexes/search/ or indexes/search\.py"):
        load_search_module(tmp_path)
    assert sys.modules["indexes.search"] is indexes.search


TOPICS = (
    "Travel is booked through the agency portal at least two weeks ahead.",
    "Laptops are returned to the equipment desk on the last day of work.",
    "Leave requests go to your supervisor and are approved in the timesheet system.",
    "Security incidents are reported to the response team within one hour.",
    "New staff finish the onboarding checklist in their first week.",
)


def test_before_and_after_run_on_the_same_rows(
    db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    # Three documents of ten passages (one 'everyone', one 'restricted', one 'staff'), each
    # on every topic twice.
    items = [
        Passage(f"page-{i // 10}.md", f"Page {i // 10}", f"{TOPICS[i % 5]} Note {i}.")
        for i in range(30)
    ]
    vectors = np.asarray(embedder.embed([p.text for p in items]), dtype=np.float32)
    with db.administering() as conn:
        collection = ensure_collection(conn, COLLECTION, embedder.name, embedder.dim)
        drop_vector_index(conn, collection)
    write_rows(db, collection, "real", items, vectors, np.random.default_rng(0))
    build_index(db, collection)
    before = load_search_module(_package_checkout(tmp_path))

    queries = ["How do I book travel?", "Who approves my leave?", "Returning a laptop"]
    golds = ["page-0.md", "page-1.md", None]
    out = before_after(db, embedder, queries, golds, before)

    assert set(out) == {f"{label}/{mode}" for label in PRINCIPALS for mode in MODES}
    for entry in out.values():
        # The same code on the same rows: the same results, both sides timed.
        assert entry["top5_overlap"] == 1.0
        assert entry["before"]["question_page_in_top5"] == entry["after"]["question_page_in_top5"]
        assert entry["before"]["p50_ms"] > 0 and entry["after"]["p50_ms"] > 0
    assert out["all (100%)/hybrid"]["after"]["question_page_in_top5"] > 0
