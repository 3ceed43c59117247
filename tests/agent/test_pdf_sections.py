"""A PDF handbook, in a real Postgres: its chunks are named by the headings its fonts show,
and the agent's citation names the section and page a rule sits on, as it does for Markdown.
Generation is off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.runtime import Agent
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search import SearchOptions, search
from ragtune.principal import Principal
from tests.conftest import fresh_database_url, opened
from tests.indexes.loaders.sample_files import handbook_pdf
from tests.support.agent_fixtures import agent_settings, make_agent

READER = Principal("erin")


@pytest.fixture(scope="module")
def handbook_db(
    server_url: str, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("pdf-handbook")
    (folder / "handbook.pdf").write_bytes(handbook_pdf())
    with fresh_database_url(server_url) as url, opened(url) as db:
        assert not ingest(db, embedder, [folder], IngestOptions(progress=False)).failed
        yield db


@pytest.fixture(scope="module")
def agent(
    handbook_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    built = make_agent(
        agent_settings(tmp_path_factory.mktemp("state"), agent_generate=False),
        handbook_db,
        embedder,
    )
    yield built
    built.close()


def test_search_names_a_pdf_passage_by_its_heading_path(
    handbook_db: Database, embedder: Embedder
) -> None:
    found = search(handbook_db, embedder, "salary payment date", READER, SearchOptions(k=3))
    top = found.results[0]
    assert (top.section, top.page) == ("Staff Handbook > 3. Pay > 3.1 Dates", 3)
    assert "Page 3 of 3" not in top.text and "Revision 4" not in top.text  # running lines


def test_an_answer_from_a_pdf_cites_its_section_and_page(agent: Agent) -> None:
    answer = agent.ask("How many days before I fly must I book flights?", READER)
    assert not answer.abstained, answer.answer
    assert "14 days" in answer.answer
    cited = answer.citations[0]
    assert (cited.source, cited.section, cited.page) == (
        "handbook.pdf",
        "Staff Handbook > 2. Travel > 2.1 Booking",
        2,
    )
