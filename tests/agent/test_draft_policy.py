"""Skip drafting where it cannot win: on a local CPU model the grounded routes answer
extractively at once (no model call), and the E-214 question gets the code's meaning, cited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.nodes.generate import draft_routes
from agent.runtime import Agent
from indexes.database import Database
from indexes.embeddings import Embedder
from ragtune.principal import Principal
from tests.support.agent_fixtures import agent_settings, make_agent

EMPLOYEE = Principal("erin")


def test_auto_drafts_only_off_the_cpu() -> None:
    assert draft_routes("auto", "local", "cpu") == frozenset()
    assert draft_routes("auto", "local", "cuda:0") == {"rag", "both"}
    assert draft_routes("auto", "openai", "cpu") == {"rag", "both"}
    assert draft_routes("always", "local", "cpu") == {"rag", "both"}
    assert draft_routes("never", "openai", "cuda") == frozenset()


class NoModel:
    """A generator that fails the test if the agent asks it for a grounded draft."""

    def stream(self, *args: object, **kwargs: object) -> Iterator[str]:
        raise AssertionError("a grounded route drafted on the CPU")


@pytest.fixture(scope="module")
def agent(
    sample_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    # Default settings (agent_generate on, agent_draft auto, a local model on the CPU).
    settings = agent_settings(Path(tmp_path_factory.mktemp("draft-state")))
    built = make_agent(settings, sample_db, embedder, NoModel())  # type: ignore[arg-type]
    yield built
    built.close()


@pytest.mark.parametrize(
    "question",
    ["What does error E-214 mean?", "What exactly makes a Stacker raise E-214?"],
)
def test_e214_is_answered_with_its_meaning_cited_without_a_draft(
    agent: Agent, question: str
) -> None:
    answer = agent.ask(question, EMPLOYEE)
    assert answer.route == "rag" and not answer.abstained
    text = answer.answer.lower()
    # The code's meaning: the lidar is blocked (more than 15% of its scan points).
    assert "lidar" in text and "15%" in text, answer.answer
    assert "?" not in answer.answer  # never a quoted question
    cited = {c.source for c in answer.citations}
    assert cited & {"manuals/error-code-reference.md", "faq/support-faq.jsonl"}, cited
    assert answer.verification.repaired == "extractive"
