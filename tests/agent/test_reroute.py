"""The route changes after retrieval (agent/reroute.py) on a slice of the
sample corpus in a real Postgres: writing tasks with and without a domain adapter, and an
identifier no document mentions. Generation is off and nothing here generates. The policy
itself is also checked directly, without a database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from agent.context import AgentConfig
from agent.coverage import Coverage
from agent.reroute import NONE_OVERRIDE_MARGIN, reroute
from agent.runtime import Agent
from agent.state import AgentState
from generation import adapter_registry as registry
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search import SearchOptions
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


CONFIG = AgentConfig(
    max_question_chars=2000,
    search=SearchOptions(),
    min_relevance=0.5,
    min_confidence=0.6,
    generate=False,
    verify_retry=False,
    max_new_tokens=64,
)
COVERED = Coverage(terms=("stacker",), missing=(), missing_identifiers=())
UNCOVERED = Coverage(
    terms=("payload", "s9"), missing=("payload", "s9"), missing_identifiers=("S9",)
)


def _state(route: str, by: str, confidence: float = 0.9, **more: Any) -> AgentState:
    return cast(
        AgentState,
        {"route": route, "route_by": by, "route_confidence": confidence, "route_reason": "r"}
        | more,
    )


def test_the_policy_keeps_a_covered_rag_route() -> None:
    assert reroute(_state("rag", "classifier"), 0.8, COVERED, [], CONFIG) == {}


def test_the_policy_abstains_when_the_documents_do_not_cover_rag() -> None:
    update = reroute(_state("rag", "classifier"), 0.8, UNCOVERED, [], CONFIG)
    assert update["route"] == "none" and update["route_by"] == "classifier"
    assert update["route_reason"].startswith("the documents you can access do not cover this")


def test_the_policy_turns_an_unsure_adapter_guess_into_both_when_covered() -> None:
    update = reroute(_state("adapter", "classifier", 0.4), 0.8, COVERED, [], CONFIG)
    assert (update["route"], update["route_by"]) == ("both", "relevance")
    update = reroute(_state("adapter", "classifier", 0.4), 0.1, COVERED, [], CONFIG)
    assert (update["route"], update["route_by"]) == ("none", "relevance")


def test_the_policy_overturns_none_only_with_clearly_relevant_documents() -> None:
    borderline = CONFIG.min_relevance + NONE_OVERRIDE_MARGIN / 2
    assert reroute(_state("none", "classifier"), borderline, COVERED, [], CONFIG) == {}
    update = reroute(_state("none", "classifier"), 0.9, COVERED, [], CONFIG)
    assert (update["route"], update["route_by"]) == ("rag", "relevance")


def test_a_forced_route_is_not_abstained_for_unknown_identifiers() -> None:
    update = reroute(_state("rag", "caller", 1.0), 0.8, COVERED, ["E-999"], CONFIG)
    assert update == {}
    update = reroute(_state("rag", "classifier"), 0.8, COVERED, ["E-999"], CONFIG)
    assert update["route_reason"] == "no document you can access mentions E-999"


def test_the_policy_never_leaves_a_covered_figure_to_the_adapter_alone() -> None:
    """An hr user's "What is the L5 engineer band midpoint?" went to the adapter and got
    invented prose while the documents hold the figure: it is answered by both, verified."""
    question = "What is the L5 engineer band midpoint?"
    confident = _state("adapter", "classifier", 0.95, standalone=question)
    clearly = CONFIG.min_relevance + NONE_OVERRIDE_MARGIN + 0.05
    update = reroute(confident, clearly, COVERED, [], CONFIG)
    assert (update["route"], update["route_by"]) == ("both", "relevance")
    assert "figure" in update["route_reason"]
    # Not when the documents do not clearly cover it, nor for vocabulary, nor when forced.
    assert (
        reroute(confident, CONFIG.min_relevance - 0.05, COVERED, [], CONFIG).get("route") != "both"
    )
    wording = _state("adapter", "classifier", 0.95, standalone="How do I end a customer email?")
    assert reroute(wording, clearly, COVERED, [], CONFIG) == {}
    forced = _state("adapter", "caller", 1.0, standalone=question)
    assert reroute(forced, clearly, COVERED, [], CONFIG) == {}


def test_a_source_naming_the_asked_acronym_is_relevant_below_the_bar() -> None:
    # "What's OTCRM?" scores under the bar against the passage that spells it out.
    weak = CONFIG.min_relevance - 0.2
    named = Coverage(terms=("OTCRM",), missing=(), missing_identifiers=(), named=("OTCRM",))
    assert reroute(_state("rag", "classifier"), weak, named, [], CONFIG) == {}
    update = reroute(_state("rag", "classifier"), weak, COVERED, [], CONFIG)
    assert update["route"] == "none"
    assert "best source relevance" in update["route_reason"]


LANGUAGE = "ask in the language the documents are written in"


@pytest.mark.parametrize(
    ("question", "named", "hint"),
    [
        # Nothing relevant found: the decline names the words no document uses.
        ("¿Cuántos días de vacaciones tengo al año?", "'Cuántos', 'días'", LANGUAGE),
        ("How do I calibrate the flux capacitor of the Stacker?", "'flux' or 'capacitor'", None),
        ("How many vactoin dayz do I get?", "'vactoin'", "check the spelling"),
        # Routed out of scope: another language is said; English out of scope is not news.
        ("Wie viele Stunden Krankenurlaub kann ich beantragen?", "'Stunden'", LANGUAGE),
    ],
)
def test_a_declined_question_names_the_words_no_document_uses(
    agent: Agent, question: str, named: str, hint: str | None
) -> None:
    answer = agent.ask(question, EMPLOYEE)
    assert answer.abstained, answer.answer
    assert named in answer.answer, answer.answer
    if hint is None:
        assert "check the spelling" not in answer.answer, answer.answer
    else:
        assert hint in answer.answer, answer.answer
    if hint != LANGUAGE:
        assert LANGUAGE not in answer.answer, answer.answer


def test_an_english_question_out_of_scope_gets_no_language_hint(agent: Agent) -> None:
    answer = agent.ask("What will the weather be like tomorrow?", EMPLOYEE)
    assert answer.abstained and LANGUAGE not in answer.answer, answer.answer
