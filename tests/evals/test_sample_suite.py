"""The sample suite samples/suites/quillmark.jsonl: valid, balanced, kept apart from the adapter's
training questions, and with gold citations that point at chunks the sample corpus really has."""

from __future__ import annotations

from collections import Counter

import pytest

from evals.metrics import SourceRef, source_matches
from evals.suites import load_suite
from indexes.database import Database
from indexes.embeddings import Embedder
from tests.conftest import REPO
from training.data.leakage import find_leaks, read_suite
from training.data.reader import read_qa_file
from training.data.similarity import MinHasher, embed_all

SUITE = REPO / "samples" / "suites" / "quillmark.jsonl"
QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"
RESTRICTED = {"hr": "restricted/hr/", "finance": "restricted/finance/"}


def test_the_sample_suite_validates_and_covers_every_route() -> None:
    suite = load_suite(SUITE)
    items = suite.items
    assert len(items) >= 64
    routes = Counter(i.expected_route for i in items)
    assert routes["rag"] >= 30 and routes["adapter"] >= 8 and routes["both"] >= 5
    tags = Counter(t for i in items for t in i.tags)
    assert tags["unanswerable"] >= 12 and tags["permissions"] >= 6
    for item in items:
        if item.expected_route in ("rag", "both"):
            assert item.answerable and item.gold_citations and item.reference_answer, item.id
        if item.expected_route == "adapter":
            assert item.reference_answer and not item.gold_citations, item.id
        if "unanswerable" in item.tags or "permissions" in item.tags:
            assert item.expected_route == "none" and not item.answerable, item.id


def test_restricted_questions_are_asked_by_the_right_users() -> None:
    items = load_suite(SUITE).items
    for item in items:
        needed = {
            group
            for group, prefix in RESTRICTED.items()
            for gold in item.gold_citations
            if gold.source.startswith(prefix)
        }
        # An answerable restricted question is asked by someone in the group, and tagged so.
        assert needed <= set(item.groups) and needed <= set(item.tags), item.id
    permissions = [i for i in items if "permissions" in i.tags]
    for item in permissions:
        # The tag names the group the answer needs; the asker is not in it.
        (group,) = set(item.tags) & set(RESTRICTED)
        assert group not in item.groups, item.id
    assert {g for i in permissions for g in set(i.tags) & set(RESTRICTED)} == set(RESTRICTED)


def test_no_suite_question_near_duplicates_a_training_question(embedder: Embedder) -> None:
    pairs = read_qa_file(QA).pairs
    questions = [p.question for p in pairs]
    leaks = find_leaks(
        questions,
        embed_all(embedder, questions),
        read_suite(SUITE),
        embedder,
        threshold=0.9,  # the data_near_duplicate_threshold default
        minhash=MinHasher(),
    )
    found = [(pairs[x.index].id, x.suite_question.question, x.method) for x in leaks]
    assert found == []


@pytest.mark.slow
def test_every_gold_citation_points_at_an_ingested_chunk(sample_db: Database) -> None:
    with sample_db.administering() as conn:
        rows = conn.execute(
            "SELECT d.source, k.section, k.page FROM chunks k JOIN documents d"
            " ON d.id = k.document_id"
        ).fetchall()
    chunks = [SourceRef(source, section or None, page) for source, section, page in rows]
    missing = [
        (item.id, gold.source, gold.section, gold.page)
        for item in load_suite(SUITE).items
        for gold in item.gold_citations
        if not any(
            source_matches(c, SourceRef(gold.source, gold.section, gold.page)) for c in chunks
        )
    ]
    assert missing == []
