"""Sentence runs: stored at ingest and reindex, read back under row-level security, and used by
search to rank the passage whose sentences answer above one that only resembles the question."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest, ingest_options
from indexes.reindex import reindex
from indexes.search import search
from indexes.search.options import SearchOptions, check_query, search_options
from indexes.sentence_vectors import (
    RUN,
    best_similarity,
    pack,
    sentence_runs,
    stored_sentences,
    unpack,
)
from ragtune.errors import InputError
from ragtune.principal import Principal
from ragtune.settings import Settings

LONG = (
    "Annual leave accrues every pay period. New staff earn four hours each period. "
    "Staff with three years of service earn six hours. Fifteen years brings eight hours. "
    "Unused hours carry over up to a cap of two hundred and forty."
)
SHORT = "Sick leave accrues at four hours per pay period."
# A handbook page whose long section answers one question in one of its sentences, and a
# sibling section that shares its vocabulary without answering it.
HANDBOOK_PAGE = """# Compensation for extra hours

## Travel comp time

Travel comp time is earned for time spent travelling outside regular working hours.
You request it in the timekeeping system within thirty days of the trip.
Travel comp time is not paid out when you leave the agency.
Travel to a temporary duty station counts, and so does the return trip.
Waiting at the airport during a layover counts as travel time as well.

## Regular comp time

Regular comp time is earned instead of overtime pay for approved extra work.
Supervisors approve the extra hours in advance, in writing, before the work is done.
Employees record the hours on the timesheet for the pay period in which they were worked.
Regular comp time expires after twenty-six pay periods if it is not used.
Expired regular comp time is paid out at the overtime rate of the period it was earned.
"""


def test_runs_pair_the_sentences_of_a_long_chunk_and_skip_a_short_one() -> None:
    runs = sentence_runs(LONG)
    assert len(runs) == 3  # five sentences, two at a time
    assert runs[0] == (
        "Annual leave accrues every pay period. New staff earn four hours each period."
    )
    assert runs[-1].startswith("Unused hours carry over")
    # A chunk of at most RUN sentences is its own best run: nothing to store.
    assert sentence_runs(SHORT) == []
    assert sentence_runs("Yes. No. | 3 | 4 |") == []
    assert RUN == 2


def test_packed_runs_round_trip_and_a_malformed_blob_reads_as_none() -> None:
    vectors = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    blob = pack(vectors)
    assert len(blob) == 3 * 8 * 2  # float16
    assert np.allclose(unpack(blob, 8), vectors, atol=1e-3)
    assert unpack(blob[:-2], 8).shape == (0, 8)  # cut short: not a whole number of vectors
    assert unpack(blob, 7).shape == (0, 7)  # another model's dimension


def test_best_similarity_is_the_best_run_or_the_chunk_cosine_without_runs() -> None:
    query = np.array([1.0, 0.0], dtype=np.float32)
    runs = pack(np.array([[0.0, 1.0], [0.8, 0.6]], dtype=np.float32))
    best = best_similarity(query, {"a": runs, "b": None}, {"a": 0.1, "b": 0.42})
    assert best["a"] == pytest.approx(0.8, abs=1e-3)
    assert best["b"] == pytest.approx(0.42)


def _runs_by_section(db: Database) -> dict[str, bytes | None]:
    with db.administering() as conn:
        rows = conn.execute("SELECT section, sentence_vectors FROM chunks").fetchall()
    return {section: bytes(blob) if blob is not None else None for section, blob in rows}


@pytest.fixture
def page(tmp_path: Path) -> Path:
    folder = tmp_path / "handbook"
    folder.mkdir()
    (folder / "comp-time.md").write_text(HANDBOOK_PAGE, encoding="utf-8")
    (folder / "sick-leave.md").write_text(f"# Sick leave\n\n{SHORT}\n", encoding="utf-8")
    return folder


def test_ingest_stores_a_vector_per_run_and_none_for_short_chunks(
    db: Database, embedder: Embedder, page: Path
) -> None:
    ingest(db, embedder, [page], IngestOptions(progress=False))
    stored = _runs_by_section(db)
    regular = stored["Compensation for extra hours > Regular comp time"]
    assert regular is not None
    assert len(unpack(regular, embedder.dim)) == 3  # five sentences, two at a time
    assert stored["Sick leave"] is None  # one sentence: ranks by its chunk vector
    # Turned off, nothing is stored and nothing breaks.
    ingest(
        db,
        embedder,
        [page],
        IngestOptions(progress=False, collection="plain", sentence_vectors=False),
    )
    with db.administering() as conn:
        row = conn.execute(
            "SELECT count(*) FROM chunks c JOIN collections k ON k.id = c.collection_id"
            " WHERE k.name = 'plain' AND c.sentence_vectors IS NOT NULL"
        ).fetchone()
    assert row is not None and row[0] == 0


def test_an_edit_keeps_the_runs_of_unchanged_chunks(
    db: Database, embedder: Embedder, page: Path
) -> None:
    ingest(db, embedder, [page], IngestOptions(progress=False))
    before = _runs_by_section(db)
    doc = page / "comp-time.md"
    doc.write_text(HANDBOOK_PAGE + "\n## Holidays\n\nHolidays earn no comp time.\n", "utf-8")
    report = ingest(db, embedder, [page], IngestOptions(progress=False))
    assert report.updated == 1 and report.embedded == 1  # only the new section
    after = _runs_by_section(db)
    section = "Compensation for extra hours > Regular comp time"
    assert after[section] == before[section]


def test_the_section_whose_sentence_answers_ranks_first(
    db: Database, embedder: Embedder, page: Path
) -> None:
    ingest(db, embedder, [page], IngestOptions(progress=False))
    question = "How long before regular comp time expires?"
    found = search(db, embedder, question, Principal("a"), SearchOptions(k=2))
    assert found.results[0].section.endswith("Regular comp time"), found.results
    best = found.sentence_similarity
    assert best[found.results[0].chunk_id] > best[found.results[1].chunk_id]


def test_runs_are_read_under_row_level_security(
    db: Database, embedder: Embedder, page: Path
) -> None:
    ingest(db, embedder, [page], IngestOptions(progress=False, groups=frozenset({"hr"})))
    with db.administering() as conn:
        ids = [str(i) for (i,) in conn.execute("SELECT id FROM chunks").fetchall()]
    with db.reading(Principal("outsider")) as conn:
        assert stored_sentences(conn, ids) == {}
    with db.reading(Principal("dana", frozenset({"hr"}))) as conn:
        assert set(stored_sentences(conn, ids)) == set(ids)


def test_reindex_embeds_the_runs_again(db: Database, embedder: Embedder, page: Path) -> None:
    ingest(db, embedder, [page], IngestOptions(progress=False, sentence_vectors=False))
    assert all(blob is None for blob in _runs_by_section(db).values())
    reindex(db, embedder, "default", progress=False)
    stored = _runs_by_section(db)
    assert stored["Compensation for extra hours > Regular comp time"] is not None
    reindex(db, embedder, "default", progress=False, sentence_vectors=False)
    assert all(blob is None for blob in _runs_by_section(db).values())


def test_the_settings_reach_ingest_and_search_and_bad_weights_are_refused() -> None:
    settings = Settings(sentence_vectors=False, search_sentence_weight=0.5)
    assert ingest_options(settings, collection="x").sentence_vectors is False
    assert search_options(settings).sentence_weight == 0.5
    with pytest.raises(InputError, match="sentence_weight"):
        check_query("anything", SearchOptions(sentence_weight=11))
