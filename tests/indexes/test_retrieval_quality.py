"""Retrieval quality on a real, externally written corpus: the 18F handbook.

Reports recall@5 of the right file and of the right file and section for a question set
written for ragtune (tests/data/18f_questions.jsonl), and writes the figures to
test-artifacts/retrieval_18f.json.
"""

from __future__ import annotations

import json

import pytest

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.options import SearchOptions
from indexes.search.results import SearchResult
from ragtune.principal import Principal
from tests.conftest import HANDBOOK, REPO

QUESTIONS = REPO / "tests" / "data" / "18f_questions.jsonl"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not HANDBOOK.is_dir(), reason=f"18F handbook corpus not found at {HANDBOOK}"
    ),
]


def section_matches(result: SearchResult, gold: str) -> bool:
    """The gold section, or for preamble answers (gold "") a chunk before any subheading."""
    if gold == "":
        return result.section in ("", result.title)
    return result.section == gold


def gold_ranks(
    db: Database, embedder: Embedder, questions: list[dict], **options: object
) -> list[int | None]:
    """Each question's rank of its gold file and section in the top 5 (None: not there)
    under these search options."""
    ranks = []
    for q in questions:
        results = search(
            db,
            embedder,
            q["question"],
            Principal("eval"),
            SearchOptions(k=5, **options),  # type: ignore[arg-type]
        ).results
        ranks.append(
            next(
                (
                    i
                    for i, r in enumerate(results, start=1)
                    if r.source == q["source"] and section_matches(r, q["section"])
                ),
                None,
            )
        )
    return ranks


def mrr(ranks: list[int | None]) -> float:
    return sum(1 / r for r in ranks if r) / len(ranks)


def recall(ranks: list[int | None]) -> float:
    return sum(r is not None for r in ranks) / len(ranks)


def section_mrr(
    db: Database, embedder: Embedder, questions: list[dict], **options: object
) -> float:
    """MRR@5 of the gold file and section under these search options."""
    return mrr(gold_ranks(db, embedder, questions, **options))


def test_recall_at_5_on_the_18f_handbook(
    handbook_db: Database, handbook_embedder: Embedder
) -> None:
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    assert len(questions) >= 40
    file_hits = section_hits = 0
    misses = []
    for q in questions:
        results = search(
            handbook_db, handbook_embedder, q["question"], Principal("eval"), SearchOptions(k=5)
        ).results
        in_file = [r for r in results if r.source == q["source"]]
        file_hits += bool(in_file)
        section_hits += any(section_matches(r, q["section"]) for r in in_file)
        if not in_file:
            misses.append(
                {"id": q["id"], "expected": q["source"], "got": [r.source for r in results]}
            )
    figures = {
        "questions": len(questions),
        "recall_at_5_file": file_hits / len(questions),
        "recall_at_5_file_and_section": section_hits / len(questions),
        "misses": misses,
    }
    out = REPO / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "retrieval_18f.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(
        f"\n18F recall@5 file={figures['recall_at_5_file']:.2f} "
        f"file+section={figures['recall_at_5_file_and_section']:.2f}"
    )
    # These questions are among those the default fusion, re-rank and sentence-run weights
    # were fitted on (with the sample company's suite, bench/retrieval_compare.py); the blind
    # sets below are the held-out figures. Measured 0.95 file, 0.93 file+section recall@5 and
    # 0.832 MRR@5 with BM25 and the pooled fit (0.863 with BM25 and the sample-fitted weights,
    # which these questions favour; 0.877 before BM25); the RRF hybrid without re-ranking,
    # over the same BM25 full-text side, 0.795 (0.75 before BM25); all with torch vectors. With
    # the default ONNX int8 vectors (2026-12-06): 0.95, 0.95, 0.844 and 0.782 for the RRF hybrid.
    assert file_hits / len(questions) >= 0.9
    assert section_hits / len(questions) >= 0.9
    default_mrr = section_mrr(handbook_db, handbook_embedder, questions)
    rrf_mrr = section_mrr(handbook_db, handbook_embedder, questions, fusion="rrf", rerank_depth=0)
    print(f"18F file+section MRR@5 default={default_mrr:.3f} rrf={rrf_mrr:.3f}")
    assert default_mrr >= 0.80
    assert default_mrr > rrf_mrr + 0.02


HELDOUT = REPO / "samples" / "heldout" / "18f-handbook"
# The blind sets (samples/heldout/18f-handbook/README.md): written by people who had not read
# the code or any result, on files and sections no earlier question used, never in a fit.
# Floors: measured by bench.retrieval_compare (ONNX int8, the backend the handbook is indexed
# with here too; C and D first with torch on 2026-12-05), less a margin (docs/benchmarks.md).
BLIND_FLOORS = {
    # measured 0.917 / 0.846 (0.883 / 0.747 before identifiers had to be distinctive, 0.800 /
    # 0.673 before BM25)
    "c": {"recall": 0.87, "mrr": 0.79},
    "d": {"recall": 0.92, "mrr": 0.84},  # measured 0.967 / 0.901 (0.933 / 0.793 before)
    # written after both changes above were measured, before the distinctive identifiers;
    # measured 0.967 / 0.848 by bench.retrieval_compare (ONNX int8)
    "e": {"recall": 0.90, "mrr": 0.78},
    # written at the start of the session after E's; measured 1.000 / 0.919 by
    # bench.retrieval_compare (ONNX int8) with the ranking as that session found it
    "f": {"recall": 0.93, "mrr": 0.85},
    # written at the start of the session after F's; measured 0.950 / 0.865 by
    # bench.retrieval_compare (ONNX int8), the ranking unchanged since F's
    "g": {"recall": 0.88, "mrr": 0.79},
    # written on 2026-12-06 (after which C to G were read item by item for answerability and
    # the judge; the ranking did not change); measured 0.967 / 0.872 by
    # bench.retrieval_compare (ONNX int8)
    "h": {"recall": 0.92, "mrr": 0.81},
    # written at the start of the third session of 2026-12-06; measured 0.935 / 0.840 by
    # bench.retrieval_compare (ONNX int8), the ranking unchanged since F's
    "i": {"recall": 0.88, "mrr": 0.78},
    # written at the start of the fourth session of 2026-12-06; measured 1.000 / 0.909 by
    # bench.retrieval_compare (ONNX int8) with the ranking as found, 1.000 / 0.905 after that
    # session's chunk boundaries and table rows
    "j": {"recall": 0.95, "mrr": 0.84},
    # written at the start of the fifth session of 2026-12-06; measured 0.905 / 0.788 by
    # bench.retrieval_compare (ONNX int8) with the ranking as found
    "k": {"recall": 0.85, "mrr": 0.72},
    # written at the start of the sixth session of 2026-12-06; measured 0.984 / 0.840 by
    # bench.retrieval_compare (ONNX int8) with the ranking as found (it did not change)
    "l": {"recall": 0.92, "mrr": 0.77},
    # written at the start of the seventh session of 2026-12-06; measured 0.919 / 0.825 by
    # bench.retrieval_compare (ONNX int8) with the ranking as found (it did not change)
    "m": {"recall": 0.87, "mrr": 0.76},
    # written at the start of the eighth session of 2026-12-06; measured 0.935 / 0.863 by
    # bench.retrieval_compare (ONNX int8) with the ranking as found (it did not change)
    "n": {"recall": 0.88, "mrr": 0.79},
    # short questions, written at the start of the ninth session of 2026-12-06; measured
    # 0.867 / 0.751 by bench.retrieval_compare (ONNX int8) with the ranking as found
    "o": {"recall": 0.81, "mrr": 0.69},
}


def _blind_questions(name: str) -> list[dict]:
    lines = (HELDOUT / f"answerable_{name}.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return [
        {"question": i["question"], "source": c["source"], "section": c["section"]}
        for i in items
        for c in i["gold_citations"][:1]
    ]


@pytest.fixture(scope="module")
def blind_ranks(handbook_db: Database, handbook_embedder: Embedder) -> dict[str, list[int | None]]:
    """Each blind set's gold ranks, searched once for its floor test and the targets test."""
    return {
        name: gold_ranks(handbook_db, handbook_embedder, _blind_questions(name))
        for name in sorted(BLIND_FLOORS)
    }


@pytest.mark.parametrize("name", sorted(BLIND_FLOORS))
def test_ranking_on_the_blind_18f_sets_keeps_its_floor(
    blind_ranks: dict[str, list[int | None]], name: str
) -> None:
    ranks = blind_ranks[name]
    assert len(ranks) >= 60
    print(
        f"\n18F blind set {name.upper()} file+section recall@5={recall(ranks):.3f} "
        f"MRR@5={mrr(ranks):.3f}"
    )
    assert recall(ranks) >= BLIND_FLOORS[name]["recall"]
    assert mrr(ranks) >= BLIND_FLOORS[name]["mrr"]


@pytest.mark.xfail(strict=True, reason="issue 16 targets not met on the blind sets")
def test_ranking_meets_the_issue_targets_on_the_blind_18f_sets(
    blind_ranks: dict[str, list[int | None]],
) -> None:
    ranks = [r for name in sorted(BLIND_FLOORS) for r in blind_ranks[name]]
    assert recall(ranks) >= 0.97
    assert mrr(ranks) >= 0.95
