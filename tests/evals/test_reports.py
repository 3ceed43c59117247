"""Reports: JUnit XML that CI parses, the Markdown summary, a self-contained escaped HTML page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evals.answers import AskResponse, RecordedAnswer
from evals.judges import build_judge
from evals.reports import render_html, render_junit, render_markdown, write_reports
from evals.reports.html_report import word_diff
from evals.runs.gate import compare_runs
from evals.runs.record import RunRecord, read_run_file
from evals.runs.runner import run_suite
from evals.suites import Suite, SuiteItem
from evals.targets import RecordedTarget
from tests.support.recorded import (
    BAD,
    GOOD,
    PTO_CITE,
    RETRIEVAL_SUITE,
    RETRIEVED,
    SUITE,
    ask,
    with_retrieval,
)

SCRIPT = "<script>alert('x')</script>"


def _run(answers: dict[str, dict[str, object]]) -> RunRecord:
    suite = Suite(name="mini.jsonl", items=[SuiteItem.model_validate(i) for i in SUITE])
    target = RecordedTarget(
        {k: AskResponse.model_validate(v) for k, v in answers.items()}, "answers.jsonl"
    )
    return run_suite(suite, target, build_judge("overlap"), None, config={"git_commit": "abc"})


@pytest.fixture(scope="module")
def good_run() -> RunRecord:
    return _run(GOOD)


@pytest.fixture(scope="module")
def bad_run(good_run: RunRecord) -> RunRecord:
    answers = {k: v for k, v in BAD.items() if k != "ceo-birthday"}  # one missing: partial
    answers["dark-robot"] = ask(
        f"A dark robot {SCRIPT} has stopped [1].",
        "rag",
        [{**PTO_CITE, "quote": f"<b>bold</b> {SCRIPT} & more"}],
    )
    run = _run(answers)
    gate = compare_runs(good_run, run, resamples=200, baseline_source="good/run.json")
    return run.model_copy(update={"gate": gate})


def test_junit_has_one_testcase_per_item_and_per_gate_metric(bad_run: RunRecord) -> None:
    root = ET.fromstring(render_junit(bad_run))
    items, gate = root.findall("testsuite")
    cases = items.findall("testcase")
    assert [c.get("name") for c in cases] == [i["id"] for i in SUITE]
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    errored = {c.get("name") for c in cases if c.find("error") is not None}
    expected_failed = {i.id for i in bad_run.items if i.failures and i.status == "ok"}
    assert failed == expected_failed
    assert {"pto-carry", "per-diem", "passwords", "parking"} <= failed
    assert errored == {"ceo-birthday"}
    assert items.get("failures") == str(len(failed)) and items.get("errors") == "1"
    assert items.get("tests") == str(len(SUITE))
    per_diem = next(c for c in cases if c.get("name") == "per-diem").find("failure")
    assert per_diem is not None and "unsupported" in (per_diem.get("message") or "")
    assert bad_run.gate is not None
    gate_cases = gate.findall("testcase")
    assert len(gate_cases) == len(bad_run.gate.metrics)
    regressions = [c.get("name") for c in gate_cases if c.find("failure") is not None]
    assert regressions == bad_run.gate.regressions
    assert root.get("failures") == str(len(failed) + len(regressions))


def test_html_is_self_contained_and_escapes_answer_and_passage_text(
    bad_run: RunRecord,
) -> None:
    page = render_html(bad_run)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "&amp; more" in page
    for external in ("<link", "<img", "src=", "@import", "url("):
        assert external not in page
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    # Each item: question, sentences with support and evidence, citations, baseline diff.
    assert "What per diem do I get for meals on an international trip?" in page
    assert "$120" in page and "<del>$90</del>" in page and "<ins>$120</ins>" in page
    assert "Sentences" in page and "Citations" in page and "evidence" in page
    assert "Partial run" in page and "ceo-birthday: missing" in page


def test_word_diff_escapes_both_sides() -> None:
    assert word_diff("a <b> c", "a <i> c") == "a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins> c"


def test_markdown_summary_has_the_metric_table_with_the_baseline_diff(bad_run: RunRecord) -> None:
    text = render_markdown(bad_run)
    header = (
        "| metric | value | scored | unscorable | baseline, paired | this run, paired | change "
        "| CI | verdict |"
    )
    assert header in text
    # The change is what the two paired columns say it is.
    rows = [line.split(" | ") for line in text.splitlines() if line.count(" | ") == 8]
    checked = 0
    for cells in rows[1:]:
        baseline, new, change = cells[4], cells[5], cells[6]
        try:
            b, n, c = float(baseline), float(new), float(change)
        except ValueError:
            continue  # n/a, a percentage or milliseconds
        assert abs((n - b) - c) < 2e-3, cells
        checked += 1
    assert checked >= 3
    assert "| Citation recall (ALCE) |" in text
    assert "## Gate: FAILED" in text or "## Gate: passed" in text
    assert "## Partial run: 1 items without an answer" in text
    assert "`per-diem`" in text  # failed items listed


def test_write_reports_writes_all_four_and_run_json_reads_back(
    bad_run: RunRecord, tmp_path: Path
) -> None:
    written = write_reports(bad_run, tmp_path / "out")
    assert sorted(written) == ["junit.xml", "report.html", "run.json", "summary.md"]
    data = json.loads(written["run.json"].read_text(encoding="utf-8"))
    assert data["status"] == "partial" and data["config"]["git_commit"] == "abc"
    assert read_run_file(tmp_path / "out") == bad_run
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".tmp")] == []


def test_reports_state_the_k_of_recall_and_show_the_ranking(tmp_path: Path) -> None:
    suite = Suite(name="r.jsonl", items=[SuiteItem.model_validate(i) for i in RETRIEVAL_SUITE])
    answers = {
        k: RecordedAnswer.model_validate({"id": k, **v})
        for k, v in with_retrieval(GOOD, RETRIEVED).items()
    }
    run = run_suite(
        suite, RecordedTarget(answers, "a.jsonl"), build_judge("overlap"), None, config={}
    )
    summary = render_markdown(run)
    assert "| Retrieval recall@1 (gold sources) | 0.333 | 3 | 3 |" in summary
    assert "| Retrieval recall@5 (gold sources) | 0.667 | 3 | 3 |" in summary
    assert "| Retrieval MRR (gold sources) | 0.556 | 3 | 3 |" in summary
    assert "- retrieval recall@1, recall@5 and MRR of the gold sources over the 'retrieved'" in (
        summary
    )
    page = render_html(run)
    assert "Retrieved (ranked)" in page
    assert "Retrieval recall@5 (gold sources): 1.000; Retrieval MRR (gold sources): 0.500" in page
    assert "<td>6</td><td><code>policies/security-acceptable-use.md" in page
    written = write_reports(run, tmp_path)
    data = json.loads(written["run.json"].read_text(encoding="utf-8"))
    assert data["metrics"]["retrieval_mrr"]["value"] == pytest.approx(5 / 9)
    assert data["config"]["retrieval"]["recall_at_k"] == [1, 5]
    assert data["items"][0]["retrieved"][1] == {
        "rank": 2,
        "source": "policies/paid-time-off.md",
        "section": "Paid Time Off Policy > 1. Vacation Entitlement > 1.3 Carry-over",
        "page": None,
        "gold": True,
    }
    assert read_run_file(tmp_path) == run
