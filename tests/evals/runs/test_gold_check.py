"""Gold sources checked against the index before an in-process run: a typo or a file the
item's user cannot read is named, not scored 0 in silence (real Postgres)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evals.runs.gold_check import gold_not_found
from evals.suites import parse_suite
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from tests.conftest import SAMPLE_CORPUS, fresh_database_url, opened

PUBLIC = SAMPLE_CORPUS / "public" / "faq" / "partner-portal-notes.md"
PAY_BANDS = SAMPLE_CORPUS / "restricted" / "hr" / "salary-pay-bands.md"


@pytest.fixture(scope="module")
def gold_db(server_url: str, embedder: Embedder) -> Iterator[Database]:
    with fresh_database_url(server_url) as url, opened(url) as db:
        assert not ingest(db, embedder, [PUBLIC], IngestOptions(progress=False)).failed
        hr_only = IngestOptions(progress=False, groups=frozenset({"hr"}))
        assert not ingest(db, embedder, [PAY_BANDS], hr_only).failed
        yield db


def _item(item_id: str, source: str, groups: str = "") -> str:
    return (
        f'{{"id": "{item_id}", "question": "q?", "expected_route": "rag", "answerable": true, '
        f'"groups": "{groups}", "gold_citations": [{{"source": "{source}"}}]}}'
    )


def test_a_gold_source_no_readable_document_matches_is_named(gold_db: Database) -> None:
    suite = parse_suite(
        "\n".join(
            [
                _item("ok", "faq/partner-portal-notes.md"),
                _item("typo", "faq/partner-portal-note.md"),
                _item("hidden", "hr/salary-pay-bands.md"),
                _item("hr-ok", "salary-pay-bands.md", groups="hr"),
            ]
        ),
        "s.jsonl",
    )
    found = gold_not_found(gold_db, suite, "default")
    assert found == [
        "typo: gold source 'faq/partner-portal-note.md' matches no document eval may read in "
        "collection 'default'",
        "hidden: gold source 'hr/salary-pay-bands.md' matches no document eval may read in "
        "collection 'default'",
    ]
    assert gold_not_found(gold_db, suite, "no_such_collection") == []
