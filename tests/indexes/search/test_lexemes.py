"""The bounded full-text side: which words find candidates, quoted safely, ranked with every
word, and the candidates function applying the principal's groups."""

from __future__ import annotations

import numpy as np
import pytest

from indexes.collections import ensure_collection, get_collection
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.lexemes import (
    inverse_document_frequency,
    narrowest_conjunction,
    pick_lexemes,
    tsquery_text,
)
from indexes.search.options import SearchOptions
from ragtune.principal import Principal

EMPLOYEE = Principal("sam", frozenset({"support"}))
HR = Principal("dana", frozenset({"hr"}))


def test_pick_lexemes_keeps_rare_words_within_the_budget() -> None:
    estimates = [
        ("need", 10_000.0),
        ("donor", None),  # not among the common lexemes
        ("marrow", 50.0),
        ("leav", 4_000.0),
        ("bone", 50.0),
    ]
    assert pick_lexemes(estimates, 1000) == ["donor", "bone", "marrow"]
    assert pick_lexemes(estimates, 5000) == ["donor", "bone", "marrow", "leav"]
    assert sorted(pick_lexemes(estimates, 10**9)) == sorted(e[0] for e in estimates)
    # Only common words: the rarest one still finds candidates.
    assert pick_lexemes([("need", 10_000.0), ("request", 7_000.0)], 1000) == ["request"]
    assert pick_lexemes([], 1000) == []


def test_only_common_words_find_candidates_together() -> None:
    # A million chunks; the rarest word alone is in 20,000 of them, far over the budget.
    common = [("leav", 60_000.0), ("paid", 20_000.0), ("polici", 300_000.0), ("day", 80_000.0)]
    # leav and paid together: 1e6 x 0.02 x 0.06 = 1,200 chunks, over 500; with day, 96.
    assert narrowest_conjunction(common, 500, 1_000_000) == ["paid", "leav", "day"]
    assert narrowest_conjunction(common, 5_000, 1_000_000) == ["paid", "leav"]  # at least two
    # Every word, when even all of them together are estimated over the budget.
    assert narrowest_conjunction(common, 1, 1_000_000) == ["paid", "leav", "day", "polici"]
    # The rarest word fits the budget, or some word is rare, or there is one word: the
    # ordinary rarest-words-first pick applies (nothing here).
    assert narrowest_conjunction([("leav", 400.0), ("paid", 900.0)], 500, 10_000) == []
    assert narrowest_conjunction([*common, ("marrow", None)], 500, 1_000_000) == []
    assert narrowest_conjunction([("leav", 60_000.0)], 500, 1_000_000) == []
    assert narrowest_conjunction([], 500, 1_000_000) == []


def test_tsquery_text_turns_each_lexeme_into_exactly_itself(db: Database) -> None:
    weird = ["it's", "back\\slash", "a:b", "x&y|z", "!not", "<->", "c:\\win", "'", "(x)"]
    with db.administering() as conn:
        for lexeme in weird:
            row = conn.execute(
                "SELECT array_to_tsvector(%(l)s) @@ %(q)s::tsquery,"
                " array_to_tsvector(%(o)s) @@ %(q)s::tsquery",
                {"l": [lexeme], "o": ["other"], "q": tsquery_text([lexeme])},
            ).fetchone()
            assert row == (True, False), lexeme
        both = conn.execute(
            "SELECT array_to_tsvector(%s) @@ %s::tsquery", (["x&y|z"], tsquery_text(weird))
        ).fetchone()
        assert both == (True,)
        together = tsquery_text(["it's", "a:b"], "&")
        for lexemes, expected in ((["it's", "a:b", "c"], True), (["it's", "c"], False)):
            row = conn.execute(
                "SELECT array_to_tsvector(%s) @@ %s::tsquery", (lexemes, together)
            ).fetchone()
            assert row == (expected,), lexemes


def _seed_words(db: Database, embedder: Embedder, n: int) -> None:
    """``n`` chunks that all say "robot"; three say "zebra", one says "robot zebra calibration"."""
    rng = np.random.default_rng(3)
    with db.administering() as conn:
        coll = ensure_collection(conn, "words", embedder.name, embedder.dim)
        conn.execute(
            "INSERT INTO documents (id, collection_id, path, source, title, format, content_hash,"
            " byte_size, n_chunks, allowed_groups) VALUES"
            " ('00000000-0000-0000-0000-000000000003', %s, '/w', 'w', 'W', 'text', 'h', 1, %s,"
            " '{everyone}')",
            (coll.id, n),
        )
        rows = []
        for i in range(n):
            text = f"Robot log {i}: aisle {i % 13} shelf {i % 7} checked."
            if i in (5, 6):
                text = f"A zebra sticker was found on robot {i}."
            if i == 7:
                text = "Robot zebra calibration: align the zebra target before calibration."
            vec = rng.normal(size=embedder.dim).astype(np.float32)
            rows.append(
                (
                    f"00000000-0000-0000-0002-{i:012d}",
                    "00000000-0000-0000-0000-000000000003",
                    coll.id,
                    i,
                    text,
                    ["everyone"],
                    vec / np.linalg.norm(vec),
                )
            )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO chunks (id, document_id, collection_id, ordinal, start_char,"
                " end_char, text, text_hash, allowed_groups, embedding)"
                " VALUES (%s, %s, %s, %s, 0, 1, %s, 'h', %s, %s)",
                rows,
            )
    with db.admin.connection() as conn:
        conn.autocommit = True
        conn.execute("ANALYZE chunks")  # the word statistics the text side relies on


def test_common_words_do_not_find_text_candidates_but_still_rank(
    db: Database, embedder: Embedder
) -> None:
    _seed_words(db, embedder, n=600)
    reader = Principal("r")
    query = "robot zebra calibration"
    with db.reading(reader) as conn:
        cid = get_collection(conn, "words").id
        frequencies = {
            lexeme: (frequency, rows)
            for lexeme, frequency, rows, _ in conn.execute(
                "SELECT * FROM ragtune_lexeme_frequencies(%s, %s)", (cid, query)
            )
        }
    assert set(frequencies) == {"robot", "zebra", "calibr"}
    assert frequencies["robot"][0] == pytest.approx(1.0) and frequencies["robot"][1] > 500
    assert (frequencies["zebra"][0] or 0) < 0.05

    # Large collection, small budget (exact_docs=0 ignores that this one is small): "robot"
    # is in every chunk, so only "zebra" and "calibr" find candidates...
    bounded = SearchOptions(collection="words", k=20, mode="text", text_budget=100, exact_docs=0)
    found = search(db, embedder, query, reader, bounded).results
    assert [r.chunk_id[-2:] for r in found] == ["07", "05", "06"]
    # ...and "robot" still counts in the rank: the chunk with all three words comes first.
    assert found[0].score > found[1].score
    every_word = SearchOptions(collection="words", k=20, mode="text", text_budget=10**9)
    assert len(search(db, embedder, query, reader, every_word).results) == 20


def test_text_candidates_function_applies_the_principals_groups(sample_db: Database) -> None:
    """ragtune_text_candidates runs as the table owner (to use the GIN index); it must apply
    the chunks_read predicate itself, and fail closed without a principal."""
    statement = (
        "SELECT m.id FROM ragtune_text_candidates(%s, 'salari | band | midpoint',"
        " '{salari,band,midpoint}', '{1,1,1}', NULL, 100) m"
    )
    with sample_db.reading(EMPLOYEE) as conn:
        cid = get_collection(conn, "default").id
        employee = [r[0] for r in conn.execute(statement, (cid,))]
    with sample_db.reading(HR) as conn:
        hr = [r[0] for r in conn.execute(statement, (cid,))]
    with sample_db.app.connection() as conn, conn.transaction():
        nobody = conn.execute(statement, (cid,)).fetchall()
    with sample_db.administering() as conn:
        groups = dict(
            conn.execute(
                "SELECT id, allowed_groups FROM chunks WHERE id = ANY(%s)", (employee + hr,)
            ).fetchall()
        )
    assert nobody == []
    assert employee and all("hr" not in groups[i] for i in employee)
    assert any("hr" in groups[i] for i in hr)


def test_inverse_document_frequency_falls_as_a_word_gets_common() -> None:
    rows = 1000.0
    weights = [inverse_document_frequency(n, rows) for n in (1, 10, 100, 500, 1000)]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] > 6 and weights[-1] < 0.001
    # Estimates beyond the collection (or below zero) are clamped, never negative.
    assert inverse_document_frequency(5000, rows) == pytest.approx(weights[-1])
    assert inverse_document_frequency(-3, rows) >= weights[0]


def test_a_rare_query_word_outranks_several_common_ones(db: Database, embedder: Embedder) -> None:
    """BM25 weighs each word by its rarity: the chunks naming "zebra" (3 of 600) rank above
    the 597 that hold three of the query's words ("robot", "aisle", "shelf") close together,
    which an unweighted rank (ts_rank_cd) put first."""
    _seed_words(db, embedder, n=600)
    every_word = SearchOptions(collection="words", k=3, mode="text", text_budget=10**9)
    found = search(db, embedder, "robot aisle shelf zebra", Principal("r"), every_word).results
    assert {r.chunk_id[-2:] for r in found} == {"05", "06", "07"}
    assert found[0].chunk_id.endswith("07")  # "zebra" twice, in a short chunk
