"""Skip drafting where it cannot win: on a local CPU model the grounded routes answer
extractively at once (no model call), and the E-214 question gets the code's meaning, cited.
The likelihood re-rank, one setting away, keeps that answer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from agent.nodes.generate import draft_routes
from agent.runtime import Agent, agent_config
from generation.local_backend import LocalGenerator
from indexes.database import Database
from indexes.embeddings import Embedder
from ragtune.errors import ConfigError
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
    [
        "What does error E-214 mean?",
        "What exactly makes a Stacker raise E-214?",
        # A pictograph is not embedded; an arrow or a Chinese character is, and moves the
        # E-214 record below the relevance bar while the E-322 record stays above it: a source
        # naming the asked code is quotable then too.
        "😀 What does E-214 mean?",
        "→ What does E-214 mean?",
        "中 What does E-214 mean?",
    ],
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


class Counting(LocalGenerator):
    """The real bundled model, counting the questions it scores."""

    def __init__(self, real: LocalGenerator) -> None:
        self.__dict__.update(real.__dict__)
        self.scored: list[tuple[str, int]] = []

    def question_likelihoods(self, question: str, passages: Sequence[str]) -> list[float]:
        self.scored.append((question, len(passages)))
        return super().question_likelihoods(question, passages)


@pytest.fixture(scope="module")
def counting(smol: LocalGenerator) -> Counting:
    return Counting(smol)


@pytest.fixture(scope="module")
def ranking_agent(
    sample_db: Database,
    embedder: Embedder,
    counting: Counting,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Agent]:
    settings = agent_settings(
        Path(tmp_path_factory.mktemp("likelihood-state")),
        agent_likelihood_weight=0.2,
        agent_likelihood_depth=4,
    )
    built = make_agent(settings, sample_db, embedder, counting)
    yield built
    built.close()


def test_the_model_reads_the_top_sources_and_the_answer_stays_cited(
    ranking_agent: Agent, counting: Counting
) -> None:
    # RAGTUNE_AGENT_LIKELIHOOD_WEIGHT: the local model scores the question after each of the
    # top sources before any answer is chosen; the answer still cites what answers.
    answer = ranking_agent.ask("What does error E-214 mean?", EMPLOYEE)
    assert counting.scored and counting.scored[-1][1] == 4
    assert answer.route == "rag" and not answer.abstained
    text = answer.answer.lower()
    assert "lidar" in text and "15%" in text, answer.answer
    cited = {c.source for c in answer.citations}
    assert cited & {"manuals/error-code-reference.md", "faq/support-faq.jsonl"}, cited


def test_a_remote_generator_cannot_re_rank(tmp_path: Path) -> None:
    # A chat server returns no log-probabilities of the prompt: refused at start, not mid-run.
    settings = agent_settings(tmp_path, agent_likelihood_weight=0.2, generator_backend="openai")
    with pytest.raises(ConfigError, match="RAGTUNE_AGENT_LIKELIHOOD_WEIGHT"):
        agent_config(settings)
    assert agent_config(agent_settings(tmp_path)).likelihood_weight == 0.0
