"""The whole loop on the sample company with tiny training runs, against a real PostgreSQL and
the bundled SmolLM2: a thumbs-down with a correction in the chat's data layer -> export ->
accept -> data check -> RAFT items -> train -> promote refused for a candidate built to regress
-> promote accepted for one that improves -> the running service answers with the new adapter
without a restart. And feedback on a restricted document cannot reach an adapter other groups
may use.

The regressing candidate is real: it is trained (a high learning rate, every answer replaced
by "I don't know.") until it refuses, so it answers nothing the suite asks. The improving one is
the RAFT adapter from the loop; it is compared with the refusing adapter, which was put live by
hand with ``--force`` (the logged emergency path), so "improves" is measured, not staged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chainlit.types import Feedback as ChainlitFeedback
from fastapi.testclient import TestClient

from generation import adapter_registry as registry
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search import search
from indexes.search.options import SearchOptions
from ragtune.errors import InputError, PermissionDeniedError
from ragtune.principal import Principal
from ragtune.settings import Settings
from tests.conftest import REPO, SAMPLE_CORPUS, fresh_database_url, opened
from tests.support.chat_feedback import chat_answer
from tests.support.model_cache import converted_state_dir
from tests.support.train_data import SAMPLE_QA
from training.data.checks import check_data
from training.data.raft import build_raft
from training.feedback_export import accept_records, build_export, review_queue, write_jsonl
from training.promote import promote
from training.train_and_register import train_and_register
from training.train_config import TrainOptions

pytestmark = pytest.mark.slow
SUITE = REPO / "samples" / "suites" / "quillmark.jsonl"
STYLE_SOURCES = ("public/style/glossary.md", "public/style/customer-reply-style-guide.md")


@pytest.fixture(scope="module")
def loop(
    server_url: str, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, Settings, Path]]:
    """The style guides (public) and the hr documents in a database of this module's own."""
    work = tmp_path_factory.mktemp("loop")
    with fresh_database_url(server_url) as url, opened(url) as db:
        for folder, group in (("public/style", "everyone"), ("restricted/hr", "hr")):
            options = IngestOptions(progress=False, groups=frozenset({group}))
            assert not ingest(db, embedder, [SAMPLE_CORPUS / folder], options).failed
        settings = Settings(
            database_url=url,
            state_dir=converted_state_dir(),
            adapters_dir=work / "adapters",
            eval_runs_dir=work / "evals",
            judge="offline",
            agent_max_new_tokens=32,
            agent_verify_retry=False,
            eval_bootstrap_resamples=500,
            train_f1_items=0,
            service_chat=False,
            service_rate_per_minute=0,
        )
        yield db, settings, work


def _pairs(wanted: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in SAMPLE_QA.read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("source") in wanted][:limit]


def _suite(path: Path, n: int = 4) -> Path:
    items = [json.loads(line) for line in SUITE.read_text().splitlines() if line.strip()]
    chosen = [i for i in items if i["expected_route"] == "adapter" and i["answerable"]][:n]
    path.write_text("".join(json.dumps(i) + "\n" for i in chosen))
    return path


def _thumbs_down_in_chat(
    db: Database,
    embedder: Embedder,
    user: str,
    groups: set[str],
    question: str,
    answer: str,
    correction: str,
) -> str:
    """An answer shown in the chat, rated down by its asker with a correction.

    Goes through the function the chat's ``PUT /feedback`` route calls for the signed-in user.
    """
    from service.chat.data_layer import rate_message

    hit = search(db, embedder, question, Principal(user, frozenset(groups)), SearchOptions(k=1))
    chunk = hit.results[0]
    _thread, step = chat_answer(
        db, user, question, answer, chunk_ids=[chunk.chunk_id], sources=[chunk.source]
    )
    feedback = ChainlitFeedback(forId=step, value=0, comment=correction)
    return rate_message(db, user, feedback)


def test_the_loop_from_a_thumbs_down_to_the_live_service(
    loop: tuple[Database, Settings, Path], embedder: Embedder
) -> None:
    db, settings, work = loop
    from service.keys import create_key

    create_key(db, Principal("erin"))
    fid = _thumbs_down_in_chat(
        db,
        embedder,
        "erin",
        set(),
        "What do we call the Q-Link pad in customer emails?",
        "A charging station [1].",
        "A Q-Link pad, never a charger, dock or charging station.",
    )

    # Export -> accept -> data check (merged into the curated pairs it extends).
    exported = build_export(db, review_queue(db, rating="down"), "qa")
    assert [r["feedback_ids"] for r in exported.records] == [[fid]]
    assert exported.records[0]["groups"] == []
    feedback_file = work / "feedback.jsonl"
    write_jsonl(exported.records, feedback_file)
    curated = work / "curated.jsonl"
    write_jsonl([*_pairs(STYLE_SOURCES, 20), *exported.records], curated)
    assert not check_data(curated, embedder).report.ok  # not accepted yet: refused
    accept_records(curated, reviewer="lee")
    checked = check_data(curated, embedder)
    assert checked.report.ok, checked.report.issues

    # RAFT items -> train the candidate that should improve.
    raft = build_raft(db, embedder, curated, collection="default", distractors=1, p_oracle=0.8)
    assert len(raft.records) >= 18 and raft.with_oracle < len(raft.records)
    raft_file = work / "raft.jsonl"
    write_jsonl(raft.records, raft_file)
    good = train_and_register(
        settings,
        raft_file,
        "style-raft",
        TrainOptions(
            method="lora",
            max_steps=1,
            batch_size=2,
            grad_accum=1,
            f1_items=0,
            max_seq_tokens=2048,
            data_format="raft",
            gradient_checkpointing=False,
        ),
    )
    assert good.manifest["hyperparameters"]["data_format"] == "raft"
    with pytest.raises(InputError, match="not a RAFT item"):
        train_and_register(settings, curated, "not-raft", TrainOptions(data_format="raft"))

    # The candidate built to regress: trained until it refuses everything.
    refusals = work / "refusals.jsonl"
    write_jsonl([{**r, "answer": "I don't know."} for r in _pairs(STYLE_SOURCES, 20)], refusals)
    train_and_register(
        settings,
        refusals,
        "refuser",
        TrainOptions(
            method="lora",
            max_steps=12,
            learning_rate=5e-3,
            batch_size=2,
            grad_accum=1,
            f1_items=0,
            warmup_ratio=0.0,
            gradient_checkpointing=False,
        ),
    )

    suite = _suite(work / "suite.jsonl")
    from ragtune.cli import _inproc_adapter_target

    refused = promote(
        settings,
        "refuser",
        suite,
        _inproc_adapter_target,
        against="none",
        target_metric="answer_f1",
    )
    assert not refused.activated, refused.evidence
    assert any("Answer token F1" in r for r in refused.reasons), refused.reasons
    assert registry.get(db, "refuser").active_scopes == ()

    # An emergency activation by hand, logged as forced; then the service starts on it.
    registry.activate(db, "refuser")
    registry.record_activation(db, "refuser", forced=True, by="ops", evidence={"reason": "test"})
    from service.app import create_app
    from tests.support.agent_fixtures import make_agent

    agent = make_agent(settings, db, embedder)
    token = create_key(db, Principal("alice")).token
    app = create_app(settings, db=db, agent=agent, embedder_loader=lambda: embedder, chat=False)
    ask = {
        "question": "What do we call one complete loading task carried out by a single robot?",
        "route": "adapter",
    }
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        before = client.post("/v1/ask", json=ask, headers=headers)
        assert before.status_code == 200, before.text

        accepted = promote(
            settings, "style-raft", suite, _inproc_adapter_target, target_metric="answer_f1"
        )
        assert accepted.activated, accepted.reasons
        assert accepted.against == "refuser"
        lineage = registry.get(db, "style-raft").manifest["activation_log"]
        assert lineage[-1]["forced"] is False
        evidence = lineage[-1]["evidence"]
        assert evidence["feedback_ids"] == [fid]
        assert evidence["data_sha256"] == good.manifest["data"]["sha256"]
        assert set(evidence["eval_runs"]) == {"active", "candidate"}
        assert evidence["base_model"] == good.manifest["base_model"]

        # No restart: the next answer comes from the promoted adapter.
        after = client.post("/v1/ask", json=ask, headers=headers)
        assert after.status_code == 200, after.text
        assert "style-raft" in agent.generator.adapters.names  # type: ignore[attr-defined]
        assert after.json()["answer"] != before.json()["answer"]
    agent.close()


def test_feedback_on_restricted_documents_cannot_reach_other_groups(
    loop: tuple[Database, Settings, Path], embedder: Embedder
) -> None:
    db, settings, work = loop
    from service.keys import create_key

    create_key(db, Principal("dana", frozenset({"hr"})))
    fid = _thumbs_down_in_chat(
        db,
        embedder,
        "dana",
        {"hr"},
        "What is the L4 salary band midpoint?",
        "I don't know [1].",
        "The L4 midpoint is 131,000 per year.",
    )
    records = [
        r for r in build_export(db, review_queue(db), "qa").records if r["feedback_ids"] == [fid]
    ]
    assert records and records[0]["groups"] == ["hr"]
    pairs = work / "hr-curated.jsonl"
    write_jsonl([*_pairs(STYLE_SOURCES, 12), *records], pairs)
    accept_records(pairs, reviewer="lee")
    raft = build_raft(db, embedder, pairs, collection="default", distractors=2)
    hr_items = [r for r in raft.records if r["id"] == records[0]["id"]]
    assert hr_items and hr_items[0]["groups"] == ["hr"]
    raft_file = work / "hr-raft.jsonl"
    write_jsonl(raft.records, raft_file)
    trained = train_and_register(
        settings,
        raft_file,
        "with-hr-feedback",
        TrainOptions(
            method="lora",
            max_steps=1,
            batch_size=2,
            grad_accum=1,
            f1_items=0,
            max_seq_tokens=2048,
            data_format="raft",
            gradient_checkpointing=False,
        ),
    )
    # The adapter carries the hr correction, so only hr may use it; promote or force, an
    # employee outside hr never routes to it.
    assert trained.manifest["allowed_groups"] == ["hr"]
    registry.activate(db, "with-hr-feedback")
    try:
        employee = Principal("erin")
        assert registry.active_adapter(db, employee) is None or (
            registry.active_adapter(db, employee).name != "with-hr-feedback"  # type: ignore[union-attr]
        )
        with pytest.raises(PermissionDeniedError):
            registry.check_adapter_access(db, employee, "with-hr-feedback")
    finally:
        registry.deactivate(db, "with-hr-feedback")
    # Mixing hr feedback with feedback restricted to another group is refused before training.
    mixed = work / "mixed.jsonl"
    write_jsonl(
        [
            *json.loads("[" + ",".join(pairs.read_text().splitlines()) + "]"),
            {
                "id": "fin-1",
                "question": "What are the vendor payment terms?",
                "answer": "Net 45.",
                "groups": ["finance"],
            },
        ],
        mixed,
    )
    with pytest.raises(InputError, match="no one group may read all"):
        train_and_register(settings, mixed, "mixed", TrainOptions(method="lora", max_steps=1))
