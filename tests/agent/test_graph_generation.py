"""The agent generating with the real bundled SmolLM2 and a real LoRA adapter: the grounded
route stays verified whatever the small model writes, the adapter route streams its tokens
live, and adapter permissions hold on every route."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from agent.answer import AgentEvent
from agent.runtime import Agent
from evals.citations import split_cited_sentences
from generation import adapter_registry as registry
from generation.base_models import DEFAULT_MODEL, load_model
from generation.local_backend import LocalGenerator
from indexes.database import Database
from indexes.embeddings import Embedder
from ragtune.errors import PermissionDeniedError
from ragtune.principal import Principal
from tests.support.agent_fixtures import agent_settings, make_agent
from tests.support.lora_factory import make_adapter
from tests.support.model_cache import converted_state_dir

pytestmark = pytest.mark.slow

EMPLOYEE = Principal("erin")
HR = Principal("dana", frozenset({"hr"}))


def _manifest(name: str, groups: list[str]) -> dict[str, object]:
    return {
        "name": name,
        "base_model": DEFAULT_MODEL,
        "method": "lora",
        "allowed_groups": groups,
        "rank": 4,
        "target_modules": ["q_proj", "v_proj"],
        "data": {"sha256": f"{name}-data".encode().hex()},
    }


@pytest.fixture(scope="module")
def agent(
    sample_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    state = converted_state_dir()
    adapters = tmp_path_factory.mktemp("agent-adapters")
    base = load_model(DEFAULT_MODEL, state_dir=state, precision="fp32")
    for name in ("house", "hr-house"):
        make_adapter(
            base.model, adapters / name, base_model=DEFAULT_MODEL, targets=["q_proj", "v_proj"]
        )
    registry.register(sample_db, adapters / "house", _manifest("house", ["everyone"]))
    registry.register(sample_db, adapters / "hr-house", _manifest("hr-house", ["hr"]))
    registry.activate(sample_db, "house")
    generator = LocalGenerator(base, adapters_dir=adapters)
    settings = agent_settings(
        tmp_path_factory.mktemp("agent-gen-state"),
        adapters_dir=adapters,
        agent_max_new_tokens=48,
        agent_draft="always",  # these tests exercise the drafting path on the CPU
    )
    built = make_agent(settings, sample_db, embedder, generator)
    yield built
    built.close()
    generator.close()
    for name in ("house", "hr-house"):
        registry.remove(sample_db, name)


def test_generated_rag_answer_is_verified_or_repaired(agent: Agent) -> None:
    answer = agent.ask("How many unused vacation days can be carried over?", EMPLOYEE, route="rag")
    assert answer.route == "rag" and "generate" in answer.timings_ms
    assert answer.timings_ms["generate"] > 0
    if not answer.abstained:
        sentences = split_cited_sentences(answer.answer)
        assert all(s.citations for s in sentences)
        v = answer.verification
        assert v.total_sentences == len(sentences) == v.supported_sentences
        assert v.repaired in (None, "pruned", "extractive")


def test_adapter_route_streams_tokens_live(agent: Agent) -> None:
    async def collect() -> list[AgentEvent]:
        return [e async for e in agent.astream("What is hypercare?", EMPLOYEE, route="adapter")]

    events = asyncio.run(collect())
    kinds = [e.type for e in events]
    assert kinds[-1] == "done"
    # Unverified adapter text streams as generated: tokens come before the answer is final.
    assert kinds.index("route") < kinds.index("token") < kinds.index("done")
    done = events[-1].data
    assert done["route"] == "adapter" and done["citations"] == []
    assert done["answer"] == "".join(e.data["text"] for e in events if e.type == "token")
    assert done["answer"].strip()


def test_both_route_uses_the_adapter_with_sources(agent: Agent) -> None:
    answer = agent.ask(
        "Write a customer reply explaining how many vacation days carry over, citing policy.",
        EMPLOYEE,
    )
    assert answer.route in ("both", "none")
    assert answer.adapter == "house"
    assert answer.pins is not None and answer.pins.adapter == "house"
    assert answer.pins.adapter_data_sha256 == b"house-data".hex()
    for s in split_cited_sentences(answer.answer) if not answer.abstained else []:
        assert s.citations


def test_restricted_adapter_is_refused_to_outsiders(agent: Agent) -> None:
    with pytest.raises(PermissionDeniedError, match="restricted to hr"):
        agent.ask("What is hypercare?", EMPLOYEE, route="adapter", adapter="hr-house")
    allowed = agent.ask("What is hypercare?", HR, route="adapter", adapter="hr-house")
    assert allowed.route == "adapter" and allowed.adapter == "hr-house"
