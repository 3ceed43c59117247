"""Targets: recorded answers, a real local HTTP server standing in for the ragtune service
(tests/evals/fake_service.py keeps the service's contract), and the in-process agent."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.answer import Answer, Citation, Verification
from evals.answers import AskResponse
from evals.suites import SuiteItem
from evals.targets import Attempt, HttpTarget, InprocTarget, RecordedTarget, collect
from indexes.database import Database
from indexes.embeddings import Embedder
from ragtune.errors import ConfigError
from ragtune.settings import load_settings
from tests.evals.fake_service import KEY, closed_port, serving
from tests.evals.recorded import GOOD, SUITE

ITEMS = [SuiteItem.model_validate(i) for i in SUITE]


@pytest.fixture
def service() -> Iterator[str]:
    """The fake service answering the recorded answers; per-diem is answered too late."""
    with serving(
        {i.question: GOOD[i.id] for i in ITEMS}, slow=frozenset({ITEMS[1].question})
    ) as url:
        yield url


def test_the_service_is_asked_with_the_contract_and_answers_parse(service: str) -> None:
    target = HttpTarget(service + "/", default_key=KEY, timeout_s=5)
    try:
        attempt = target.ask(ITEMS[0])
    finally:
        target.close()
    assert attempt.status == "ok" and attempt.response is not None
    assert attempt.response == AskResponse.model_validate(GOOD["pto-carry"])
    assert attempt.wall_ms is not None and attempt.wall_ms > 0


def test_a_timeout_is_one_item_error_and_the_others_answer(service: str) -> None:
    target = HttpTarget(service, default_key=KEY, timeout_s=0.5)
    done: list[Attempt] = []
    try:
        attempts = collect(target, ITEMS, concurrency=3, on_done=done.append)
    finally:
        target.close()
    assert [a.item_id for a in attempts] == [i.id for i in ITEMS]  # suite order kept
    assert len(done) == len(ITEMS)
    by_id = {a.item_id: a for a in attempts}
    slow = by_id["per-diem"]
    assert slow.status == "error" and slow.response is None
    assert slow.error is not None and "timed out after 0.5 s" in slow.error
    assert all(a.status == "ok" for a in attempts if a.item_id != "per-diem")


def test_a_service_that_is_down_errors_every_item_clearly() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    target = HttpTarget(url, default_key=KEY, timeout_s=2)
    try:
        attempts = collect(target, ITEMS[:2], concurrency=2)
    finally:
        target.close()
    for attempt in attempts:
        assert attempt.status == "error"
        assert attempt.error is not None
        assert attempt.error.startswith(f"service unreachable at {url}/v1/ask")


def test_http_errors_carry_the_service_message(service: str) -> None:
    wrong = HttpTarget(service, default_key="wrong", timeout_s=5)
    unknown = SuiteItem(id="u", question="Not recorded?", expected_route="rag", answerable=True)
    right = HttpTarget(service, default_key=KEY, timeout_s=5)
    try:
        denied = wrong.ask(ITEMS[0])
        failed = right.ask(unknown)
    finally:
        wrong.close()
        right.close()
    assert denied.status == "error"
    assert denied.error == f"HTTP 401 from {service}/v1/ask: missing or unknown API key"
    assert failed.error == f"HTTP 500 from {service}/v1/ask: the agent failed"


def test_each_suite_user_asks_with_their_own_key(service: str) -> None:
    item = SuiteItem.model_validate({**SUITE[0], "user": "dana", "groups": ["hr"]})
    target = HttpTarget(service, default_key="someone-else", keys={"dana": KEY}, timeout_s=5)
    try:
        assert target.ask(item).status == "ok"
        assert target.ask(ITEMS[0]).status == "error"  # the default key is refused
    finally:
        target.close()


def test_recorded_target_marks_missing_items() -> None:
    answers = {"pto-carry": AskResponse.model_validate(GOOD["pto-carry"])}
    target = RecordedTarget(answers, "answers.jsonl")
    attempts = collect(target, ITEMS[:2])
    assert [a.status for a in attempts] == ["ok", "missing"]
    assert attempts[1].error == "no recorded answer for this item"
    assert target.describe == "answers:answers.jsonl"


def test_inproc_without_the_agent_runtime_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "agent.runtime", None)  # import fails
    with pytest.raises(ConfigError) as caught:
        InprocTarget(load_settings())
    assert "--answers" in caught.value.hint


class _ContractAgent:
    """Stands in for agent.runtime's agent where that module is not built yet; it returns the
    real agent.answer.Answer, so the conversion is checked against the real contract."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any, str]] = []
        self.closed = False

    def ask(
        self, question: str, principal: Any, thread_id: str | None = None, route: str = "auto"
    ) -> Answer:
        self.calls.append((question, principal, thread_id, route))
        if "boom" in question:
            raise RuntimeError("generation crashed")
        return Answer(
            answer="The international per diem is $90 per day [1].",
            route="rag",
            route_reason="facts from documents",
            abstained=False,
            citations=[Citation(1, "policies/travel-and-expenses.md", "4.1", None, "c1", "x")],
            verification=Verification(1, 1),
            thread_id="t",
            timings_ms={"total": 12.5},
            adapter=None,
        )

    def close(self) -> None:
        self.closed = True


def test_inproc_asks_as_the_item_principal_and_survives_an_agent_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = _ContractAgent()
    module = types.ModuleType("agent.runtime")
    module.build_agent = lambda settings: agent  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agent.runtime", module)
    target = InprocTarget(load_settings())
    item = SuiteItem.model_validate({**SUITE[1], "user": "dana", "groups": "hr,finance"})
    crash = SuiteItem(id="x", question="boom?", expected_route="rag", answerable=True)
    attempts = collect(target, [item, crash], concurrency=2)
    target.close()
    ok, failed = attempts
    assert ok.status == "ok" and ok.response is not None
    assert ok.response.citations[0].source == "policies/travel-and-expenses.md"
    (_, principal, thread_id, route) = next(c for c in agent.calls if c[0] == item.question)
    assert principal.user == "dana" and principal.groups == frozenset({"hr", "finance"})
    assert thread_id is None and route == "auto"
    assert failed.status == "error" and failed.error == "RuntimeError: generation crashed"
    assert agent.closed


@pytest.mark.slow
def test_inproc_with_the_real_agent_runtime(
    db: Database, database_url: str, embedder: Embedder, tmp_path: Path
) -> None:
    pytest.importorskip("agent.runtime", reason="agent.runtime not available")
    from indexes.ingest import IngestOptions, ingest

    policy = tmp_path / "docs" / "gifts.md"
    policy.parent.mkdir()
    policy.write_text(
        "# Gifts\n\nGifts up to $75 need no approval. Cash gifts are never acceptable.\n",
        encoding="utf-8",
    )
    assert not ingest(db, embedder, [policy.parent], IngestOptions(progress=False)).failed
    settings = load_settings(database_url=database_url, state_dir=tmp_path / "state")
    item = SuiteItem(
        id="ticker",
        question="Under which stock ticker is Quillmark Robotics listed?",
        expected_route="none",
        answerable=False,
    )
    target = InprocTarget(settings)
    try:
        (attempt,) = collect(target, [item])
    finally:
        target.close()
    assert attempt.status == "ok", attempt.error
    assert attempt.response is not None and attempt.response.route in (
        "rag",
        "adapter",
        "both",
        "none",
    )
    assert attempt.wall_ms is not None and attempt.wall_ms > 0
