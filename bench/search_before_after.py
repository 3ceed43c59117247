"""Another checkout's search() against this one's, on the same rows and database: the
search benchmark's before/after section (``python -m bench.search_latency --compare-with DIR``).

DIR is a checkout of the older code (only its ``indexes/`` is read), e.g.
``mkdir /tmp/before && git archive REV indexes | tar -x -C /tmp/before``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from bench.results import percentile
from bench.search_corpus import COLLECTION
from bench.search_timing import PRINCIPALS
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.options import MODES, SearchOptions

_PACKAGE = "indexes"


def _this_checkouts_modules() -> dict[str, ModuleType]:
    return {
        name: module
        for name, module in sys.modules.items()
        if name == _PACKAGE or name.startswith(f"{_PACKAGE}.")
    }


def load_search_module(checkout: Path) -> ModuleType:
    """``indexes.search`` of another checkout (the package, or ``indexes/search.py`` before it
    was split), imported next to this checkout's so both run on the same database.

    The old code imports its parts by absolute name (``indexes.search.options``,
    ``indexes.collections``), so this checkout's ``indexes`` modules are set aside while it is
    imported and put back after: the old search runs on the old ``indexes`` package, as a
    process of that version would. ``ragtune`` and the libraries are this checkout's, and
    this checkout migrates the database, so the old code must work on its schema.
    """
    package = checkout / _PACKAGE
    spec = importlib.util.spec_from_file_location(
        _PACKAGE, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    search_code = (package / "search" / "__init__.py", package / "search.py")
    found = (package / "__init__.py").is_file() and any(p.is_file() for p in search_code)
    if spec is None or spec.loader is None or not found:
        raise SystemExit(
            f"--compare-with: no indexes/search/ or indexes/search.py under {checkout}"
        )
    current = _this_checkouts_modules()
    for name in current:
        del sys.modules[name]
    try:
        sys.modules[_PACKAGE] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[_PACKAGE])
        return importlib.import_module(f"{_PACKAGE}.search")
    finally:
        for name in _this_checkouts_modules():
            del sys.modules[name]
        sys.modules.update(current)


def before_after(
    db: Database,
    embedder: Embedder,
    queries: list[str],
    golds: list[str | None],
    before: ModuleType,
) -> dict[str, Any]:
    """Every query through ``before.search`` and this checkout's search(), interleaved query by
    query (alternating which goes first) so both see the same machine load: end-to-end and DB
    latency, top-5 agreement, and for the handbook questions whether the page the question
    was written from is among the top 5."""
    out: dict[str, Any] = {}
    for label, (principal, _) in PRINCIPALS.items():
        for mode in MODES:
            total: dict[str, list[float]] = {"before": [], "after": []}
            db_ms: dict[str, list[float]] = {"before": [], "after": []}
            hits: dict[str, list[bool]] = {"before": [], "after": []}
            overlap = []
            for j, (query, gold) in enumerate(zip(queries, golds, strict=True)):
                ids: dict[str, set[str]] = {}
                for side in ("before", "after") if j % 2 == 0 else ("after", "before"):
                    started = time.perf_counter()
                    if side == "before":
                        options = before.SearchOptions(collection=COLLECTION, mode=mode)
                        response = before.search(db, embedder, query, principal, options)
                    else:
                        options = SearchOptions(collection=COLLECTION, mode=mode)
                        response = search(db, embedder, query, principal, options)
                    total[side].append((time.perf_counter() - started) * 1000)
                    db_ms[side].append(response.timings_ms["db"])
                    ids[side] = {r.chunk_id for r in response.results}
                    if gold is not None:
                        hits[side].append(any(r.source == gold for r in response.results))
                shared = ids["before"] & ids["after"]
                overlap.append(len(shared) / len(ids["before"]) if ids["before"] else 1.0)
            out[f"{label}/{mode}"] = {
                side: {
                    "p50_ms": percentile(total[side], 50),
                    "p95_ms": percentile(total[side], 95),
                    "db_p50_ms": percentile(db_ms[side], 50),
                    "db_p95_ms": percentile(db_ms[side], 95),
                    "question_page_in_top5": float(np.mean(hits[side])) if hits[side] else None,
                }
                for side in ("before", "after")
            } | {"top5_overlap": float(np.mean(overlap)), "load_average": os.getloadavg()}
            print(f"  before/after {label}/{mode}: {out[f'{label}/{mode}']}", file=sys.stderr)
    return out
