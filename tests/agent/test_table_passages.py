"""A long table cut into several chunks, in a real Postgres: search returns the header a chunk
continues beside its exact text, and the agent quotes a row far below the header with its
column names. Generation is off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.runtime import Agent
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search import SearchOptions, search
from ragtune.principal import Principal
from tests.conftest import fresh_database_url, opened
from tests.support.agent_fixtures import agent_settings, make_agent

READER = Principal("erin")
HEADER = "| Spare part | Lead time | Minimum order | Supplier |\n|---|---|---|---|"
PARTS = (
    "drive belt",
    "caster wheel",
    "fork sensor",
    "battery pack",
    "charging plug",
    "lidar lens",
    "bumper strip",
    "brake pad",
    "steering motor",
    "mast chain",
    "hydraulic hose",
    "door seal",
    "fuse board",
    "status lamp",
    "rear camera",
    "horn unit",
    "seat cushion",
    "fan filter",
    "coolant pump",
    "key switch",
    "load roller",
    "tilt cylinder",
    "cable loom",
    "wifi module",
    "speed encoder",
    "rubber tyre",
    "side mirror",
    "emergency stop button",
    "display panel",
    "gear reducer",
)
SUPPLIERS = ("Ardent Metals", "Brookline Parts", "Corvid Supply")


def row(i: int, part: str) -> str:
    return (
        f"| {part.capitalize()} | {i % 9 + 2} weeks | {i % 4 * 5 + 5} units | {SUPPLIERS[i % 3]} |"
    )


@pytest.fixture(scope="module")
def parts_db(
    server_url: str, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("parts")
    rows = "\n".join(row(i, part) for i, part in enumerate(PARTS))
    (folder / "spare-parts.md").write_text(
        "# Spare parts catalogue\n\nOrder spare parts from the supplier named for each part.\n\n"
        f"## Lead times\n\n{HEADER}\n{rows}\n\nLead times are counted from the order date.\n"
    )
    with fresh_database_url(server_url) as url, opened(url) as db:
        assert not ingest(db, embedder, [folder], IngestOptions(progress=False)).failed
        yield db


@pytest.fixture(scope="module")
def agent(
    parts_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    built = make_agent(
        agent_settings(tmp_path_factory.mktemp("state"), agent_generate=False), parts_db, embedder
    )
    yield built
    built.close()


def test_search_returns_the_header_a_chunk_continues_beside_its_exact_text(
    parts_db: Database, embedder: Embedder, tmp_path: Path
) -> None:
    found = search(parts_db, embedder, "gear reducer lead time", READER, SearchOptions(k=3))
    top = found.results[0]
    assert "| Gear reducer |" in top.text
    assert "| Spare part |" not in top.text  # the chunk starts below the header
    assert top.table_header == HEADER
    assert found.to_json()["results"][0]["table_header"] == HEADER


def test_a_row_far_below_the_header_is_answered_with_its_column_names(agent: Agent) -> None:
    answer = agent.ask("How long is the lead time for a gear reducer?", READER)
    assert not answer.abstained, answer.answer
    assert "Spare part: Gear reducer; Lead time: 4 weeks" in answer.answer
    assert answer.citations and answer.citations[0].source == "spare-parts.md"
    assert answer.citations[0].quote.startswith("| Spare part |")  # what the reader is shown
