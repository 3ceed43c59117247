"""The full-text mention probe in a real Postgres: phrases, stemming, and row-level security
(a term only a restricted document contains is not "mentioned" to someone outside its group)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.terms import document_share, mentioned, question_words, unused_words
from ragtune.errors import NotFoundError
from ragtune.principal import Principal
from tests.conftest import SAMPLE_CORPUS, fresh_database_url, opened

EMPLOYEE = Principal("erin")
HR = Principal("dana", frozenset({"hr"}))
FINANCE = Principal("fin", frozenset({"finance"}))


@pytest.fixture(scope="module")
def terms_db(server_url: str, embedder: Embedder) -> Iterator[Database]:
    """The partner portal notes (everyone) and the salary pay bands (hr only)."""
    with fresh_database_url(server_url) as url, opened(url) as db:
        public = SAMPLE_CORPUS / "public" / "faq" / "partner-portal-notes.md"
        pay_bands = SAMPLE_CORPUS / "restricted" / "hr" / "salary-pay-bands.md"
        assert not ingest(db, embedder, [public], IngestOptions(progress=False)).failed
        hr_only = IngestOptions(progress=False, groups=frozenset({"hr"}))
        assert not ingest(db, embedder, [pay_bands], hr_only).failed
        yield db


@pytest.mark.parametrize("term", ["Desmond Achterberg", "midpoint", "Tier 2"])
def test_a_term_only_in_an_hr_document_is_mentioned_to_hr_only(
    terms_db: Database, term: str
) -> None:
    assert mentioned(terms_db, HR, "default", term)
    assert not mentioned(terms_db, EMPLOYEE, "default", term)
    assert not mentioned(terms_db, FINANCE, "default", term)


def test_public_terms_are_mentioned_to_everyone(terms_db: Database) -> None:
    for principal in (EMPLOYEE, HR, FINANCE):
        assert mentioned(terms_db, principal, "default", "QM-LW-06")
        assert mentioned(terms_db, principal, "default", "deal registration")


def test_phrases_match_in_order_after_stemming(terms_db: Database) -> None:
    assert mentioned(terms_db, EMPLOYEE, "default", "deal registrations")  # stemmed
    assert mentioned(terms_db, EMPLOYEE, "default", "DEMO ROBOTS")  # case
    assert not mentioned(terms_db, EMPLOYEE, "default", "registration deal")  # order
    assert not mentioned(terms_db, EMPLOYEE, "default", "QM-LW-99")
    assert not mentioned(terms_db, EMPLOYEE, "default", "Stacker S9")


def test_the_share_of_documents_counts_only_what_the_principal_may_read(
    terms_db: Database,
) -> None:
    # The portal notes are the one document an employee may read; hr reads the pay bands too.
    assert document_share(terms_db, EMPLOYEE, "default", "deal registration") == 1.0
    assert document_share(terms_db, HR, "default", "deal registration") == 0.5
    assert document_share(terms_db, HR, "default", "midpoint") == 0.5
    assert document_share(terms_db, EMPLOYEE, "default", "midpoint") == 0.0
    assert document_share(terms_db, Principal("nobody-in-particular"), "default", "x") == 0.0


def test_odd_terms_are_data_not_syntax(terms_db: Database) -> None:
    for term in ("'; DROP TABLE chunks; --", "a & b | !c", "the", "<->", ""):
        assert not mentioned(terms_db, HR, "default", term)
    assert mentioned(terms_db, HR, "default", "deal registration")  # the table is still there


def test_an_unknown_collection_is_not_found(terms_db: Database) -> None:
    with pytest.raises(NotFoundError, match="No collection named 'nope'"):
        mentioned(terms_db, EMPLOYEE, "nope", "deal registration")


def test_the_words_no_readable_document_uses_are_listed_in_order(terms_db: Database) -> None:
    words = question_words("¿Cuántos días de vacaciones tengo con Tier 2 en el portal?")
    assert words == ["Cuántos", "días", "vacaciones", "tengo", "con", "Tier", "portal"]
    use = unused_words(terms_db, EMPLOYEE, "default", words)
    # "portal" is in the partner portal notes; "Tier" only in the HR-only pay bands.
    assert use.unused == ("Cuántos", "días", "vacaciones", "tengo", "con", "Tier")
    assert use.probed == len(words) and use.mostly_unused and not use.reads_as_english
    as_hr = unused_words(terms_db, HR, "default", words)
    assert "Tier" not in as_hr.unused and "portal" not in as_hr.unused


def test_function_words_are_counted_not_looked_up(terms_db: Database) -> None:
    use = unused_words(terms_db, EMPLOYEE, "default", question_words("What is the portal for?"))
    # "What", "the" and "for" are English function words.
    assert (use.unused, use.probed, use.function_words) == ((), 1, 3)
    assert use.reads_as_english and not use.mostly_unused
