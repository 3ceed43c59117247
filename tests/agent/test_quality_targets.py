"""The agent's targets on the held-out sample suite (samples/suites/quillmark.jsonl, written
apart from the router's training examples): route accuracy >= 0.9, unanswerable questions
abstain >= 90% of the time, every sentence of a RAG answer cites a source, and no restricted
text reaches a principal outside its group by any route.

Generation is off (answers are extractive), which is the agent's own decision-making; the
generated path is exercised in test_graph_generation.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.answer import Answer
from agent.runtime import Agent
from evals.citations import split_cited_sentences, strip_markers
from evals.suites import SuiteItem, load_suite
from generation import adapter_registry as registry
from indexes.database import Database
from indexes.embeddings import Embedder
from ragtune.principal import Principal
from tests.conftest import SAMPLE_CORPUS
from tests.support.agent_fixtures import agent_settings, make_agent

SUITE = load_suite(Path(__file__).resolve().parents[2] / "samples" / "suites" / "quillmark.jsonl")
RESTRICTED = {
    "hr": SAMPLE_CORPUS / "restricted" / "hr",
    "finance": SAMPLE_CORPUS / "restricted" / "finance",
}

pytestmark = pytest.mark.slow


def _principal(item: SuiteItem) -> Principal:
    return Principal(item.user, frozenset(item.groups))


@pytest.fixture(scope="module")
def agent(
    sample_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    state = tmp_path_factory.mktemp("agent-targets")
    built = make_agent(agent_settings(state, agent_generate=False), sample_db, embedder)
    yield built
    built.close()


@pytest.fixture(scope="module")
def answers(agent: Agent) -> dict[str, Answer]:
    """The unanswerable and restricted items, and 25 public RAG items, answered (no adapter is
    registered, so adapter and both fall back to the documents)."""
    public_rag = [
        i for i in SUITE.items if i.answerable and not i.groups and i.expected_route == "rag"
    ]
    chosen = [i for i in SUITE.items if not i.answerable or i.groups] + public_rag[:25]
    return {item.id: agent.ask(item.question, _principal(item)) for item in chosen}


def test_route_accuracy_on_held_out_questions(
    agent: Agent, sample_db: Database, tmp_path: Path
) -> None:
    # The routes as they are taken when a public domain adapter is available.
    registry.register(
        sample_db,
        tmp_path / "adapter",
        {
            "name": "suite-adapter",
            "base_model": "smollm2-135m",
            "method": "lora",
            "allowed_groups": ["everyone"],
            "rank": 16,
            "target_modules": ["q_proj"],
        },
    )
    registry.activate(sample_db, "suite-adapter")
    try:
        wrong = []
        for item in SUITE.items:
            got = agent.dry_run_route(item.question, _principal(item))["route"]
            if got != item.expected_route:
                wrong.append(f"{item.id}: expected {item.expected_route}, got {got}")
    finally:
        registry.remove(sample_db, "suite-adapter")
    accuracy = 1 - len(wrong) / len(SUITE.items)
    assert len(SUITE.items) >= 60
    assert accuracy >= 0.9, "\n".join(wrong)


def test_unanswerable_questions_abstain(answers: dict[str, Answer]) -> None:
    unanswerable = [item for item in SUITE.items if not item.answerable]
    assert len(unanswerable) >= 10
    answered = [item.id for item in unanswerable if not answers[item.id].abstained]
    assert 1 - len(answered) / len(unanswerable) >= 0.9, answered


def test_every_sentence_of_a_rag_answer_cites_a_source(answers: dict[str, Answer]) -> None:
    grounded = [a for a in answers.values() if a.route in ("rag", "both") and not a.abstained]
    assert len(grounded) >= 25
    for answer in grounded:
        sentences = split_cited_sentences(answer.answer)
        assert sentences and all(s.citations for s in sentences), answer.answer
        assert answer.verification.supported_sentences == answer.verification.total_sentences


def test_answerable_questions_are_mostly_answered(answers: dict[str, Answer]) -> None:
    rag = [i for i in SUITE.items if i.id in answers and i.answerable and i.expected_route == "rag"]
    answered = [item for item in rag if not answers[item.id].abstained]
    assert len(answered) / len(rag) >= 0.8


def _restricted_sentences(group: str) -> set[str]:
    found = set()
    for path in RESTRICTED[group].rglob("*"):
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                text = strip_markers(line.strip("-*# ")).strip()
                if len(text.split()) >= 6:
                    found.add(" ".join(text.replace("**", "").split()))
    return found


def test_no_restricted_text_reaches_outsiders(answers: dict[str, Answer]) -> None:
    for group in RESTRICTED:
        secret = _restricted_sentences(group)
        for item in SUITE.items:
            if group in item.groups or item.id not in answers:
                continue
            answer = answers[item.id]
            files = {f.name for f in RESTRICTED[group].iterdir()}
            assert not any(Path(c.source).name in files for c in answer.citations), item.id
            assert not any(
                f"{group}/" in c.source and "restricted" in c.source for c in answer.citations
            )
            flat = " ".join(answer.answer.replace("**", "").split())
            leaked = [s for s in secret if s[:60] in flat]
            assert not leaked, (item.id, leaked)
