"""Targets: recorded answers, a real local HTTP server standing in for the ragtune service
(tests/evals/fake_service.py keeps the service's contract), and the in-process agent."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.answer import Answer, Citation, Verification
from evals.answers import AskResponse, parse_answers
from evals.judges import build_judge
from evals.metrics import SourceRef
from evals.run_metrics import RETRIEVAL_METRICS
from evals.runner import run_suite
from evals.scoring import score_attempts
from evals.suites import Suite, SuiteItem
from evals.targets import (
    NO_SEARCH_ENDPOINT,
    Attempt,
    HttpTarget,
    InprocTarget,
    RecordedTarget,
    collect,
)
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.principal import Principal
from indexes.search import SearchOptions, SearchResult
from ragtune.errors import ConfigError
from ragtune.settings import load_settings
from tests.evals.fake_service import KEY, closed_port, serving
from tests.evals.recorded import GOOD, RETRIEVED, SUITE
from tools.rag import Retrieval, Source

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


def test_a_url_target_leaves_retrieval_unscored_with_its_reason(service: str) -> None:
    target = HttpTarget(service, default_key=KEY, timeout_s=5)
    try:
        run = run_suite(
            Suite(name="s", items=[ITEMS[0], ITEMS[2]]),
            target,
            build_judge("overlap"),
            None,
            config={},
        )
    finally:
        target.close()
    assert run.config["retrieval"] == {
        "recall_at_k": [1, 5],
        "scored": False,
        "reason": NO_SEARCH_ENDPOINT,
    }
    for item in run.items:
        assert item.status == "ok" and item.retrieved is None
        assert all(item.unscorable[name] == NO_SEARCH_ENDPOINT for name in RETRIEVAL_METRICS)
    for name in RETRIEVAL_METRICS:
        m = run.metrics[name]
        assert m.value is None and m.scored == 0 and m.unscorable == 2  # n/a, never NaN


def test_recorded_target_passes_on_the_recorded_ranking() -> None:
    line = {"id": "per-diem", **GOOD["per-diem"], "retrieved": RETRIEVED["per-diem"]}
    target = RecordedTarget(parse_answers(json.dumps(line)), "answers.jsonl")
    (attempt,) = collect(target, [ITEMS[1]])
    assert attempt.retrieved is not None and len(attempt.retrieved) == 2
    assert attempt.retrieved[0] == SourceRef(
        "policies/travel-and-expenses.md",
        "Travel and Expense Policy > 4. Meals and Per Diem > 4.1 Per diem rates",
    )


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
    real agent.answer.Answer, so the conversion is checked against the real contract, and
    carries the attributes the target reads for retrieval (db, embedder, deps.config.search)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any, str]] = []
        self.closed = False
        self.db = object()
        self.embedder = object()
        self.deps = types.SimpleNamespace(
            config=types.SimpleNamespace(search=SearchOptions(collection="handbook", k=3))
        )

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


def _result(rank: int, source: str, section: str) -> SearchResult:
    return SearchResult(
        rank, 1 / (60 + rank), f"c{rank}", f"d{rank}", source, "T", section, None, 0, 10, "text"
    )


def test_inproc_asks_as_the_item_principal_and_survives_an_agent_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = _ContractAgent()
    module = types.ModuleType("agent.runtime")
    module.build_agent = lambda settings: agent  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agent.runtime", module)
    searches: list[tuple[Any, Any, str, Principal, SearchOptions]] = []

    def retrieve(
        db: Any, embedder: Any, question: str, principal: Principal, options: SearchOptions
    ) -> Retrieval:
        searches.append((db, embedder, question, principal, options))
        if "unsearchable" in question:
            raise RuntimeError("search crashed")
        results = [
            _result(1, "faq/faq.md", "FAQ > Travel"),
            _result(2, "policies/travel-and-expenses.md", "Travel > 4. Meals > 4.1 Per diem rates"),
        ]
        return Retrieval(question, [Source(r.rank, 0.5, r) for r in results], {"search": 1.0})

    monkeypatch.setattr("tools.rag.retrieve", retrieve)
    target = InprocTarget(load_settings())
    assert target.retrieval["search"]["k"] == 3
    item = SuiteItem.model_validate({**SUITE[1], "user": "dana", "groups": "hr,finance"})
    crash = SuiteItem(id="x", question="boom?", expected_route="rag", answerable=True)
    lost = SuiteItem(id="y", question="unsearchable?", expected_route="rag", answerable=True)
    attempts = collect(target, [item, crash, lost], concurrency=2)
    target.close()
    ok, failed, unsearched = attempts
    assert ok.status == "ok" and ok.response is not None
    assert ok.response.citations[0].source == "policies/travel-and-expenses.md"
    (_, principal, thread_id, route) = next(c for c in agent.calls if c[0] == item.question)
    assert principal.user == "dana" and principal.groups == frozenset({"hr", "finance"})
    assert thread_id is None and route == "auto"
    assert failed.status == "error" and failed.error == "RuntimeError: generation crashed"
    assert agent.closed
    # The ranking is searched as the same principal, with the agent's own search options.
    (db, embedder, _, searcher, options) = next(s for s in searches if s[2] == item.question)
    assert (db, embedder, searcher) == (agent.db, agent.embedder, principal)
    assert options is agent.deps.config.search
    assert ok.retrieved == (
        SourceRef("faq/faq.md", "FAQ > Travel"),
        SourceRef("policies/travel-and-expenses.md", "Travel > 4. Meals > 4.1 Per diem rates"),
    )
    (scored,) = score_attempts([item], [ok], build_judge("overlap"), None)
    assert scored.contributions["retrieval_recall_at_1"] == (0.0, 1.0)
    assert scored.contributions["retrieval_recall_at_5"] == (1.0, 1.0)
    assert scored.contributions["retrieval_mrr"] == (0.5, 1.0)
    # A failed search is the item's error, so it cannot pass the gate as "n/a".
    assert unsearched.status == "error"
    assert unsearched.error == "retrieval for recall@k failed: RuntimeError: search crashed"


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


@pytest.mark.slow
def test_inproc_records_the_agents_ranking_for_recall_at_k(
    db: Database, database_url: str, embedder: Embedder, tmp_path: Path
) -> None:
    pytest.importorskip("agent.runtime", reason="agent.runtime not available")
    from indexes.ingest import IngestOptions, ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "gifts.md").write_text(
        "# Gifts\n\n## Limits\n\nGifts up to $75 need no approval. Cash gifts are never "
        "acceptable.\n",
        encoding="utf-8",
    )
    (folder / "parking.md").write_text(
        "# Parking\n\nStaff park in the north lot. Visitors use the marked bays.\n",
        encoding="utf-8",
    )
    assert not ingest(db, embedder, [folder], IngestOptions(progress=False)).failed
    # Extractive answers: no generator model is loaded, the retrieval is the same.
    settings = load_settings(
        database_url=database_url, state_dir=tmp_path / "state", agent_generate=False
    )
    gifts = SuiteItem.model_validate(
        {
            "id": "gifts",
            "question": "Up to what value can I accept a gift without approval?",
            "gold_citations": [{"source": "gifts.md", "section": "Limits"}],
            "expected_route": "rag",
            "answerable": True,
        }
    )
    target = InprocTarget(settings)
    try:
        run = run_suite(
            Suite(name="s", items=[gifts]), target, build_judge("overlap"), None, config={}
        )
    finally:
        target.close()
    (item,) = run.items
    assert item.status == "ok", item.error
    assert item.retrieved and item.retrieved[0].source.endswith("gifts.md")
    assert item.retrieved[0].gold and len(item.retrieved) <= settings.agent_sources_k
    assert item.contributions["retrieval_recall_at_1"] == (1.0, 1.0)
    assert item.contributions["retrieval_mrr"] == (1.0, 1.0)
    assert run.config["retrieval"]["search"]["k"] == settings.agent_sources_k
