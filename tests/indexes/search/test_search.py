"""Search against a real PostgreSQL: the JSON contract, modes, permissions in the database,
hybrid fusion, filtered searches on both paths, and a stable order."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from indexes.collections import ensure_collection
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.options import MODES, SearchOptions
from ragtune.errors import InputError, NotFoundError
from ragtune.principal import Principal

EMPLOYEE = Principal("sam", frozenset({"support"}))
HR = Principal("dana", frozenset({"hr"}))
RESTRICTED_QUESTIONS = [
    "What is the midpoint of the L4 salary band?",
    "salary pay bands",
    "On what date are final 2024 performance ratings locked?",
    "How long does a Performance Improvement Plan last?",
    "What payment terms does Quillmark have with Norvane Optics?",
    "discount authority matrix Regional Sales Director",
]


def test_json_shape_is_exactly_the_contract(sample_db: Database, embedder: Embedder) -> None:
    response = search(sample_db, embedder, "lidar occlusion E-214", EMPLOYEE, SearchOptions(k=3))
    data = response.to_json()
    assert set(data) == {"query", "results"} and data["query"] == "lidar occlusion E-214"
    assert len(data["results"]) == 3
    types: dict[str, type | tuple[type, ...]] = {
        "rank": int,
        "score": float,
        "chunk_id": str,
        "document_id": str,
        "source": str,
        "title": str,
        "section": str,
        "page": (int, type(None)),
        "start_char": int,
        "end_char": int,
        "text": str,
        "table_header": str,
    }
    for i, result in enumerate(data["results"], start=1):
        assert set(result) == set(types)
        for key, kind in types.items():
            assert isinstance(result[key], kind), key
        assert result["rank"] == i
    top = data["results"][0]
    assert top["source"] == "manuals/error-code-reference.md"
    assert top["section"].endswith("E-214 Lidar occlusion")
    assert top["end_char"] - top["start_char"] == len(top["text"])


def test_citation_offsets_point_into_the_source_file(
    sample_db: Database, embedder: Embedder
) -> None:
    from tests.conftest import SAMPLE_CORPUS

    response = search(
        sample_db,
        embedder,
        "At what tread depth must a Stacker S6 drive wheel be replaced?",
        EMPLOYEE,
        SearchOptions(k=3),
    )
    for hit in response.results:
        if hit.source.endswith((".md", ".txt")):
            source = (SAMPLE_CORPUS / "public" / hit.source).read_text(encoding="utf-8")
            assert source[hit.start_char : hit.end_char] == hit.text
    assert any("8 mm" in hit.text for hit in response.results)


def test_pdf_results_carry_their_page(sample_db: Database, embedder: Embedder) -> None:
    response = search(sample_db, embedder, "lockout tagout procedure", EMPLOYEE, SearchOptions(k=5))
    pdf_hits = [r for r in response.results if r.source.endswith(".pdf")]
    assert pdf_hits and pdf_hits[0].page == 4


# Every principal reads most of the small sample corpus, so a search takes the HNSW and
# whole-collection full-text path; exact_fraction=1 makes it read the readable documents'
# chunks exhaustively, as it does for a principal who reads a small share of a large one.
PATHS = {"exhaustive": {"exact_fraction": 1.0}, "index": {}}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode", MODES)
def test_restricted_chunks_never_reach_other_principals(
    sample_db: Database, embedder: Embedder, mode: str, path: str
) -> None:
    for question in RESTRICTED_QUESTIONS:
        options = SearchOptions(k=20, mode=mode, **PATHS[path])  # type: ignore[arg-type]
        response = search(sample_db, embedder, question, EMPLOYEE, options)
        assert all(
            not r.source.startswith(
                ("salary", "performance", "disciplinary", "q3-discount", "vendor-payment")
            )
            for r in response.results
        ), question


def test_group_members_do_see_their_restricted_documents(
    sample_db: Database, embedder: Embedder
) -> None:
    response = search(
        sample_db, embedder, "What is the midpoint of the L4 salary band?", HR, SearchOptions(k=3)
    )
    assert response.results[0].source == "salary-pay-bands.md"
    finance_only = search(
        sample_db, embedder, "Norvane Optics payment terms", HR, SearchOptions(k=10)
    )
    assert "vendor-payment-terms.md" not in {r.source for r in finance_only.results}


def test_caller_filters_cannot_widen_access(sample_db: Database, embedder: Embedder) -> None:
    response = search(
        sample_db,
        embedder,
        "salary band midpoint",
        EMPLOYEE,
        SearchOptions(k=10, groups=frozenset({"hr", "finance"})),
    )
    # Narrowed to groups the caller does not hold: nothing, not the HR documents.
    assert response.results == []
    narrowed = search(
        sample_db,
        embedder,
        "salary band midpoint",
        HR,
        SearchOptions(k=10, groups=frozenset({"hr"})),
    )
    assert narrowed.results and {r.source for r in narrowed.results} <= {
        "salary-pay-bands.md",
        "performance-review-calibration.md",
        "disciplinary-procedure.md",
    }


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode", MODES)
def test_source_filter(sample_db: Database, embedder: Embedder, mode: str, path: str) -> None:
    manual = "manuals/stacker-s4-operator-manual.md"
    options = SearchOptions(k=5, mode=mode, sources=[manual], **PATHS[path])  # type: ignore[arg-type]
    response = search(sample_db, embedder, "speed limit", EMPLOYEE, options)
    assert response.results
    assert {r.source for r in response.results} == {manual}


def test_modes_rank_differently_but_each_finds_the_answer(
    sample_db: Database, embedder: Embedder
) -> None:
    for mode in MODES:
        response = search(
            sample_db,
            embedder,
            "How many vacation days can be carried over?",
            EMPLOYEE,
            SearchOptions(k=5, mode=mode),
        )
        assert "policies/paid-time-off.md" in {r.source for r in response.results}, mode


@pytest.mark.parametrize("path", PATHS)
def test_hybrid_rrf_is_the_reciprocal_rank_fusion_of_the_two_sides(
    sample_db: Database, embedder: Embedder, path: str
) -> None:
    # Hybrid fetches the full-text ranks first (while the query is embedded) and fuses them in
    # SQL with the vector ranks; the result must be exactly RRF over what each side alone
    # returns, on both paths.
    query = "How many vacation days can be carried over?"
    depth = SearchOptions(k=20, candidates=20, fusion="rrf", rerank_depth=0, **PATHS[path])  # type: ignore[arg-type]
    sides = {
        mode: [r.chunk_id for r in search(sample_db, embedder, query, EMPLOYEE, options).results]
        for mode in ("vector", "text")
        for options in [
            SearchOptions(k=20, candidates=20, mode=mode, rerank_depth=0, **PATHS[path])
        ]  # type: ignore[arg-type]
    }
    assert len(sides["vector"]) == 20 and sides["text"]
    fused: dict[str, float] = {}
    for ranked in sides.values():
        for rank, chunk_id in enumerate(ranked, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (depth.rrf_k + rank)
    hybrid = search(sample_db, embedder, query, EMPLOYEE, depth)
    expected = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:20]
    assert [r.chunk_id for r in hybrid.results] == [chunk_id for chunk_id, _ in expected]
    assert [r.score for r in hybrid.results] == pytest.approx([score for _, score in expected])
    assert {"embed", "wait", "db", "total"} <= set(hybrid.timings_ms)
    assert hybrid.timings_ms["db"] + hybrid.timings_ms["wait"] == pytest.approx(
        hybrid.timings_ms["total"]
    )


@pytest.mark.parametrize("path", PATHS)
def test_weighted_fusion_is_cosine_plus_relative_text_score(
    sample_db: Database, embedder: Embedder, path: str
) -> None:
    query = "How many vacation days can be carried over?"
    options = SearchOptions(k=20, candidates=20, rerank_depth=0, **PATHS[path])  # type: ignore[arg-type]
    text_side = search(
        sample_db, embedder, query, EMPLOYEE, SearchOptions(k=20, candidates=20, mode="text")
    ).results
    best_text = max(r.score for r in text_side)
    relative = {r.chunk_id: r.score / best_text for r in text_side}
    hybrid = search(sample_db, embedder, query, EMPLOYEE, options)
    w = options.vector_weight
    for r in hybrid.results:
        expected = w * hybrid.similarity[r.chunk_id] + (1 - w) * relative.get(r.chunk_id, 0.0)
        assert r.score == pytest.approx(expected, abs=1e-5)
    assert [r.score for r in hybrid.results] == sorted(
        (r.score for r in hybrid.results), reverse=True
    )


ERROR_REFERENCE = "manuals/error-code-reference.md"


def test_the_section_an_identifier_names_ranks_first(
    sample_db: Database, embedder: Embedder
) -> None:
    # The README's own example and the suite's error-code questions: the section headed by the
    # code comes first, above the FAQ record that mentions it and the neighbouring codes.
    from tests.conftest import REPO

    suite = [
        json.loads(line)
        for line in (REPO / "samples" / "suites" / "quillmark.jsonl").read_text().splitlines()
    ]
    asked = [
        (q["question"], g["section"])
        for q in suite
        for g in q.get("gold_citations") or []
        if g["source"].endswith(ERROR_REFERENCE)
    ]
    asked += [
        ("What does error E-214 mean?", "E-214 Lidar occlusion"),
        ("Write a short reply to a customer whose Stacker shows E-214", "E-214 Lidar occlusion"),
    ]
    assert len(asked) >= 5
    for question, section in asked:
        top = search(sample_db, embedder, question, EMPLOYEE, SearchOptions(k=5))
        first = top.results[0]
        assert (first.source, first.section.rsplit(" > ", 1)[-1]) == (ERROR_REFERENCE, section), (
            question,
            [(r.source, r.section) for r in top.results],
        )


def test_faq_records_are_found_by_their_question_and_quote_only_the_answer(
    sample_db: Database, embedder: Embedder
) -> None:
    results = search(
        sample_db, embedder, "What does E-322 mean?", EMPLOYEE, SearchOptions(k=5)
    ).results
    faq = [r for r in results if r.source == "faq/support-faq.jsonl"]
    assert faq and faq[0].section.endswith("What does E-322 mean?")
    assert "?" not in faq[0].text and faq[0].text.startswith("E-322 means")


def test_bad_queries_are_refused_clearly(sample_db: Database, embedder: Embedder) -> None:
    with pytest.raises(InputError, match="empty"):
        search(sample_db, embedder, "   ", EMPLOYEE, SearchOptions())
    with pytest.raises(InputError, match="limit"):
        search(sample_db, embedder, "x" * 5000, EMPLOYEE, SearchOptions())
    with pytest.raises(InputError, match="mode"):
        search(sample_db, embedder, "x", EMPLOYEE, SearchOptions(mode="fuzzy"))  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="nope"):
        search(sample_db, embedder, "x", EMPLOYEE, SearchOptions(collection="nope"))
    with pytest.raises(InputError, match=r"exact_fraction must be between 0 and 1, got 1\.5"):
        search(sample_db, embedder, "x", EMPLOYEE, SearchOptions(exact_fraction=1.5))


def _seed_selective(db: Database, embedder: Embedder, total: int, readable: int) -> None:
    """``total`` chunks of real sentence embeddings; only ``readable`` of them for group g1."""
    sentences = [
        f"Warehouse robot report {i}: aisle {i % 37} pallet {i % 11} dock {i % 7}"
        for i in range(200)
    ]
    base = embedder.embed(sentences)
    rng = np.random.default_rng(7)
    with db.administering() as conn:
        coll = ensure_collection(conn, "sel", embedder.name, embedder.dim)
        conn.execute(
            "INSERT INTO documents (id, collection_id, path, source, title, format, content_hash,"
            " byte_size, n_chunks, allowed_groups) VALUES"
            " ('00000000-0000-0000-0000-000000000001', %s, '/a', 'a', 'A', 'text', 'h', 1, %s,"
            " '{g1}'), ('00000000-0000-0000-0000-000000000002', %s, '/b', 'b', 'B', 'text', 'h',"
            " 1, %s, '{other}')",
            (coll.id, readable, coll.id, total - readable),
        )
        rows = []
        for i in range(total):
            vec = base[i % len(base)] + rng.normal(0, 0.02, embedder.dim).astype(np.float32)
            vec /= np.linalg.norm(vec)
            allowed = i < readable
            doc = f"00000000-0000-0000-0000-00000000000{1 if allowed else 2}"
            rows.append(
                (
                    f"00000000-0000-0000-0001-{i:012d}",
                    doc,
                    coll.id,
                    i,
                    "",
                    None,
                    0,
                    1,
                    sentences[i % len(sentences)],
                    "h",
                    ["g1" if allowed else "other"],
                    vec,
                )
            )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO chunks (id, document_id, collection_id, ordinal, section, page,"
                " start_char, end_char, text, text_hash, allowed_groups, embedding)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                rows,
            )


@pytest.mark.slow
def test_filtered_search_still_returns_k_at_one_percent_selectivity(
    db: Database, embedder: Embedder
) -> None:
    """Both ways: the exhaustive scan of the few readable documents, and HNSW with pgvector's
    iterative scan (exact_docs=0), which must still return k rows."""
    _seed_selective(db, embedder, total=5000, readable=50)
    reader = Principal("u", frozenset({"g1"}))
    with db.administering() as conn:
        rows = conn.execute(
            "SELECT id::text, embedding::real[] FROM chunks WHERE allowed_groups = '{g1}'"
        ).fetchall()
    ids, vectors = [r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.float32)
    for query in ("robot report aisle 3", "pallet dock", "warehouse"):
        qvec = embedder.embed([query])[0]
        exact = [ids[i] for i in np.argsort(-(vectors @ qvec), kind="stable")[:10]]
        for path, overrides in PATHS.items():
            options = SearchOptions(collection="sel", k=10, mode="vector", **overrides)  # type: ignore[arg-type]
            response = search(db, embedder, query, reader, options)
            assert len(response.results) == 10, (query, path)
            assert all(r.source == "a" for r in response.results)
            if path == "exhaustive":  # exact: the same ten chunks as numpy, in the same order
                assert [r.chunk_id for r in response.results] == exact, query
    outsider = search(
        db, embedder, "warehouse", Principal("x"), SearchOptions(collection="sel", k=10)
    )
    assert outsider.results == []


@pytest.mark.parametrize("mode", MODES)
def test_equal_scores_keep_a_stable_order(
    sample_db: Database, embedder: Embedder, mode: str
) -> None:
    options = SearchOptions(k=20, mode=mode)  # type: ignore[arg-type]
    first = search(sample_db, embedder, "robot battery", EMPLOYEE, options).results
    again = search(sample_db, embedder, "robot battery", EMPLOYEE, options).results
    assert [r.chunk_id for r in first] == [r.chunk_id for r in again]
    for a, b in itertools.pairwise(first):
        assert a.score > b.score or (a.score == b.score and a.chunk_id < b.chunk_id)
