#!/usr/bin/env python3
"""Build samples/suites/quillmark.recorded.jsonl: recorded answers for the sample suite.

These are *not* the agent's answers. They stand in for a run of it so that scoring, the gate
and the reports can be tried (``ragtune eval run samples/suites/quillmark.jsonl --answers
samples/suites/quillmark.recorded.jsonl``) and benchmarked (bench/eval_run.py) without
generation. Each answer is built from the suite item and real retrieval:

* rag and both: the item's reference answer, citing the passages that hybrid search (as the
  item's user) returned from the gold sources among its top 4, or the top result when none
  did; the top 5 are recorded as the answer's ``retrieved`` ranking (retrieval recall@k, MRR);
* adapter: the reference answer, no citations;
* unanswerable and permissions: a refusal.

Ingests the sample corpus into the configured database first when it is not there yet (as
``make demo`` does). Deterministic for a given index.

Usage:
    .venv/bin/python samples/make_recorded_answers.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from evals.metrics import SourceRef, source_matches
from evals.runs.summary import RETRIEVAL_KS
from evals.suites import SuiteItem, load_suite
from indexes.search import search
from indexes.search.options import search_options
from ragtune.principal import Principal
from ragtune.resources import open_resources, quiet_libraries
from ragtune.settings import load_settings
from service.demo import ensure_corpus

SUITES = Path(__file__).resolve().parent / "suites"
SUITE = SUITES / "quillmark.jsonl"
OUT = SUITES / "quillmark.recorded.jsonl"
REFUSAL = "The documents I can read do not say, so I cannot answer that."


def _cited(text: str, markers: str) -> str:
    """Put the markers before the final full stop: "... per day [1]."."""
    text = text.strip()
    return re.sub(r"\.?$", f" {markers}.", text, count=1)


CITE_FROM = 4  # citations come from the top 4, as the agent's sources do


def _answer(item: SuiteItem, results: list[Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "route_reason": "recorded sample answer",
        "verification": {"supported_sentences": 0, "total_sentences": 0},
        "thread_id": f"recorded-{item.id}",
        "timings_ms": {},
        "citations": [],
    }
    if item.expected_route == "none":
        return {**base, "answer": REFUSAL, "route": "none", "abstained": True}
    reference = item.reference_answer or ""
    if item.expected_route == "adapter":
        return {**base, "answer": reference, "route": "adapter", "abstained": False}
    golds = [SourceRef(g.source, g.section, g.page) for g in item.gold_citations]
    picked = [
        r
        for r in results[:CITE_FROM]
        if any(source_matches(SourceRef(r.source, r.section or None, r.page), g) for g in golds)
    ][: len(golds)] or results[:1]
    citations = [
        {
            "n": n,
            "source": r.source,
            "section": r.section,
            "page": r.page,
            "chunk_id": r.chunk_id,
            "quote": r.text,
        }
        for n, r in enumerate(picked, start=1)
    ]
    markers = "".join(f"[{c['n']}]" for c in citations)
    return {
        **base,
        "answer": _cited(reference, markers),
        "route": item.expected_route,
        "abstained": False,
        "citations": citations,
        "retrieved": [{"source": r.source, "section": r.section, "page": r.page} for r in results],
    }


def main() -> int:
    quiet_libraries()
    settings = load_settings()
    suite = load_suite(SUITE)
    lines = []
    with open_resources(settings) as ctx:
        ensure_corpus(settings, ctx.db)
        embedder = ctx.embedder
        for item in suite.items:
            results: list[Any] = []
            if item.expected_route in ("rag", "both"):
                principal = Principal(item.user, frozenset(item.groups))
                options = search_options(settings, k=max(RETRIEVAL_KS))
                results = search(ctx.db, embedder, item.question, principal, options).results
            record = {"id": item.id, **_answer(item, results)}
            lines.append(json.dumps(record, ensure_ascii=False))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} recorded answers to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
