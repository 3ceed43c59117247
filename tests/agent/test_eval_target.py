"""The agent in this process as an eval target: asked as each item's principal, one item's crash
kept to that item, and the agent's own ranking recorded for recall@k."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from agent.answer import Answer, Citation, Verification
from agent.eval_target import InprocTarget
from evals.judges import build_judge
from evals.metrics import SourceRef
from evals.runs.runner import run_suite
from evals.runs.scoring import score_attempts
from evals.suites import Suite, SuiteItem
from evals.targets import collect
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search.options import SearchOptions
from indexes.search.results import SearchResult
from ragtune.principal import Principal
from ragtune.settings import load_settings
from tests.support.recorded import SUITE
from tools.rag import Retrieval, Source


class _ContractAgent:
    """Stands in for the agent so a crash can be injected; it returns the real
    agent.answer.Answer, so the conversion is checked against the real contract, and carries
    the attributes the target reads for retrieval (db, embedder, resources.config.search)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any, str]] = []
        self.closed = False
        self.db = object()
        self.embedder = object()
        self.resources = types.SimpleNamespace(
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
    monkeypatch.setattr("agent.eval_target.build_agent", lambda settings: agent)
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

    monkeypatch.setattr("agent.eval_target.retrieve", retrieve)
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
    assert options is agent.resources.config.search
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
