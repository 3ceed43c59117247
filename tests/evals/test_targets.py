"""Targets: recorded answers, and a real local HTTP server standing in for the ragtune service
(tests/support/fake_service.py keeps the service's contract). The in-process agent's target is
tested with the agent (tests/agent/test_eval_target.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from evals.answers import AskResponse, parse_answers
from evals.judges import build_judge
from evals.metrics import SourceRef
from evals.runs.runner import run_suite
from evals.runs.summary import RETRIEVAL_METRICS
from evals.suites import Suite, SuiteItem
from evals.targets import (
    NO_SEARCH_ENDPOINT,
    Attempt,
    HttpTarget,
    RecordedTarget,
    collect,
)
from tests.support.fake_service import KEY, closed_port, serving
from tests.support.recorded import GOOD, RETRIEVED, SUITE

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
