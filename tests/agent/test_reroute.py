"""The route changes after retrieval (agent/reroute.py) on a slice of the
sample corpus in a real Postgres: writing tasks with and without a domain adapter, and an
identifier no document mentions. Generation is off and nothing here generates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.runtime import Agent
from generation import adapter_registry as registry
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from ragtune.principal import Principal
from tests.conftest import SAMPLE_CORPUS, fresh_database_url, opened
from tests.support.agent_fixtures import agent_settings, make_agent

EMPLOYEE = Principal("erin")
FILES = (
    "manuals/error-code-reference.md",
    "style/customer-reply-style-guide.md",
    "style/ticket-summary-template.md",
)
# The suite's both-e214-first-reply: the fix steps are in the error code reference.
WRITING_TASK = (
    "Write the first reply to Maria, whose Stacker S6 stopped with E-214 in aisle 14, in our "
    "reply structure, with the fix steps from the error code reference."
)


@pytest.fixture(scope="module")
def slice_db(server_url: str, embedder: Embedder) -> Iterator[Database]:
    with fresh_database_url(server_url) as url, opened(url) as db:
        paths = [SAMPLE_CORPUS / "public" / name for name in FILES]
        assert not ingest(db, embedder, paths, IngestOptions(progress=False)).failed
        yield db


@pytest.fixture(scope="module")
def agent(
    slice_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    state = tmp_path_factory.mktemp("agent-state")
    built = make_agent(agent_settings(state, agent_generate=False), slice_db, embedder)
    yield built
    built.close()


def test_an_identifier_no_document_mentions_abstains(agent: Agent) -> None:
    planned = agent.dry_run_route("What does error code E-999 mean on a Stacker S6?", EMPLOYEE)
    assert planned["route"] == "none"
    assert planned["route_reason"] == "no document you can access mentions E-999"


def test_a_writing_task_with_an_adapter_is_both(agent: Agent, tmp_path: Path) -> None:
    manifest = {
        "name": "house-style",
        "base_model": "smollm2-135m",
        "method": "lora",
        "allowed_groups": ["everyone"],
    }
    registry.register(agent.db, tmp_path / "house-style", manifest)
    registry.activate(agent.db, "house-style")
    try:
        planned = agent.dry_run_route(WRITING_TASK, EMPLOYEE)
    finally:
        registry.remove(agent.db, "house-style")
    assert (planned["route"], planned["route_by"]) == ("both", "rule")
    assert planned["best_relevance"] >= agent.settings.agent_min_relevance


def test_a_writing_task_without_an_adapter_is_answered_from_the_documents(agent: Agent) -> None:
    answer = agent.ask(WRITING_TASK, EMPLOYEE)
    assert answer.route == "rag", answer.route_reason
    assert not answer.abstained and answer.citations
