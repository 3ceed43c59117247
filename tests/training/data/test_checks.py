"""The whole data check on real files with the real embedder: what a curator would look at."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from indexes.embeddings import Embedder
from ragtune.errors import InputError
from tests.conftest import REPO, SAMPLE_CORPUS
from training.data.checks import DataCheckOptions, DataCheckReport, check_data

BAD = REPO / "tests" / "data" / "qa_bad"
SAMPLE_QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"


def facts_suite(tmp_path: Path) -> Path:
    """The 40 questions of the corpus's FACTS.md as an eval suite (what evals will ask)."""
    rows = re.findall(r"^\| (F\d\d) \| ([^|]+) \|", (SAMPLE_CORPUS / "FACTS.md").read_text(), re.M)
    path = tmp_path / "facts_suite.jsonl"
    path.write_text(
        "".join(json.dumps({"id": i, "question": q.strip()}) + "\n" for i, q in rows),
        encoding="utf-8",
    )
    assert len(rows) == 40
    return path


def _write(tmp_path: Path, records: list[dict[str, object]], name: str = "qa.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _sample_records(n: int | None = None) -> list[dict[str, object]]:
    lines = SAMPLE_QA.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n]]


def test_the_sample_file_passes_cleanly(embedder: Embedder, tmp_path: Path) -> None:
    options = DataCheckOptions(minhash=True)
    result = check_data(SAMPLE_QA, embedder, options, eval_suites=[facts_suite(tmp_path)])
    report = result.report
    assert report.ok, [i.message for i in report.issues]
    assert report.issues == [] and report.dropped == []
    c = report.counts
    assert c.pairs >= 220 and c.kept == c.pairs and c.train + c.validation == c.kept
    assert c.exact_duplicates == c.near_duplicates == c.conflicts == c.pii_findings == 0
    assert {"glossary", "procedures", "support-style", "safety", "products", "hr"} <= set(
        report.domains
    )
    assert report.groups["hr"] == report.domains["hr"]  # restricted pairs carry their group
    assert report.split is not None
    assert all(sides["validation"] >= 1 for sides in report.split.by_domain.values())
    assert report.tokens.answer is not None and report.tokens.answer.max <= 256
    assert len(result.train) == c.train and {p.id for p in result.validation} == set(
        report.split.validation_ids
    )


def test_duplicates_and_conflicts_are_found(embedder: Embedder) -> None:
    report = check_data(BAD / "duplicates.jsonl", embedder).report
    dupes = {d.record: d for d in report.duplicates}
    assert dupes["dark-2"].kind == "exact" and dupes["dark-2"].duplicate_of_line == 1
    assert dupes["dark-3"].kind == "near" and dupes["dark-3"].method == "embedding"
    assert dupes["dark-3"].similarity >= 0.9
    conflicts = sorted(c.records for c in report.conflicts)
    # Same question with 15 vs 30 days; "Can" vs "May" with yes vs no.
    assert conflicts == [["freeze-1", "freeze-2"], ["return-1", "return-2"]]
    assert not report.ok
    errors = {(i.line, i.kind) for i in report.errors}
    assert errors == {
        (4, "conflict"),
        (5, "conflict"),
        (6, "conflict"),
        (7, "conflict"),
        (None, "split"),
    }
    # E-214 vs E-219, and "when is a PIP used" vs "what does it contain", are different questions.
    dropped = {d.record: d.reason for d in report.dropped}
    assert dropped == {
        "dark-2": "exact_duplicate",
        "dark-3": "near_duplicate",
        "return-1": "conflict",
        "return-2": "conflict",
        "freeze-1": "conflict",
        "freeze-2": "conflict",
    }
    assert report.counts.kept == 6


def test_minhash_finds_near_copies_too(embedder: Embedder, tmp_path: Path) -> None:
    records = [
        {"question": "How are dead-on-arrival items replaced?", "answer": "With new items."},
        {"question": "How are dead-on-arrival items being replaced?", "answer": "With new items."},
    ]
    path = _write(tmp_path, records)
    strict = DataCheckOptions(near_duplicate_threshold=0.999)
    assert check_data(path, embedder, strict).report.duplicates == []
    options = DataCheckOptions(near_duplicate_threshold=0.999, minhash=True, minhash_threshold=0.7)
    (dupe,) = check_data(path, embedder, options).report.duplicates
    assert (dupe.line, dupe.duplicate_of_line, dupe.method) == (2, 1, "minhash")


def test_pii_is_refused_without_allow_pii_and_never_echoed(embedder: Embedder) -> None:
    report = check_data(BAD / "pii.jsonl", embedder).report
    assert not report.ok
    found = {(f.line, f.kind) for f in report.pii}
    assert found == {
        (1, "email"),
        (2, "phone"),
        (3, "card_number"),
        (4, "national_id"),
        (5, "api_key"),
        (6, "api_key"),
        (7, "api_key"),
        (8, "private_key"),
        (9, "password"),
        (10, "national_id"),
        (12, "phone"),
    }
    chat = next(f for f in report.pii if f.line == 12)
    assert chat.field == "messages[1]" and chat.record == "pii-chat"
    assert all(i.severity == "error" for i in report.issues if i.kind == "pii")
    assert {d.line for d in report.dropped if d.reason == "pii"} == {
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        12,
    }
    dumped = report.model_dump_json()
    for secret in (
        "dana.ortiz",
        "555-0199",
        "4111 1111 1111 1111",
        "123-45-6789",
        "AKIAIOSFODNN7EXAMPLE",
        "Xy12Ab34Cd56Ef78Gh90Ij12Kl34",
        "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
        "MIIEowIBAAKCAQEA",
        "Quillmark2024!",
        "775 555 0123",
    ):
        assert secret not in dumped


def test_allow_pii_keeps_the_records_and_still_reports_them(embedder: Embedder) -> None:
    report = check_data(BAD / "pii.jsonl", embedder, DataCheckOptions(allow_pii=True)).report
    assert report.ok and report.counts.kept == 12
    assert len(report.pii) == 11 and all(f.allowed for f in report.pii)
    assert {i.severity for i in report.issues} == {"warning"}


def test_over_budget_answers_are_dropped_not_truncated(embedder: Embedder, tmp_path: Path) -> None:
    records = _sample_records(30)
    long_answer = " ".join(["The robot waits at the handoff zone for the Release button."] * 12)
    records[4] = {**records[4], "answer": long_answer}
    path = _write(tmp_path, records)
    result = check_data(path, embedder, DataCheckOptions(max_answer_tokens=100))
    report = result.report
    assert report.ok  # a warning: the pair is dropped and reported
    (over,) = [d for d in report.dropped if d.reason == "over_budget"]
    assert over.line == 5 and over.record == records[4]["id"]
    (issue,) = [i for i in report.issues if i.kind == "over_budget"]
    assert "over the budget of 100" in issue.message and "not truncated" in issue.message
    assert report.tokens.over_budget == 1 and report.tokens.answer is not None
    assert report.tokens.answer.max > 100
    kept = result.train + result.validation
    assert records[4]["id"] not in {p.id for p in kept}
    by_id = {r["id"]: r["answer"] for r in records}
    assert all(p.answer == by_id[p.id] for p in kept)


def test_eval_suite_questions_are_kept_out_of_training(embedder: Embedder, tmp_path: Path) -> None:
    path = _write(tmp_path, _sample_records(60))
    result = check_data(path, embedder, eval_suites=[BAD / "eval_suite.jsonl"])
    report = result.report
    leaks = {x.record: (x.suite_line, x.method) for x in report.leakage}
    # "What is a soft stop?" verbatim, and "What does the Q-Pendant do?" as a paraphrase;
    # "Which pallets fit on a Stacker S6?" is not the S4 pallet question.
    assert leaks == {"qm-glo-026": (1, "exact"), "qm-glo-012": (2, "embedding")}
    assert report.ok and report.counts.leaked == 2
    assert report.split is not None
    trained = set(report.split.train_ids) | set(report.split.validation_ids)
    assert trained.isdisjoint(leaks) and len(trained) == 58
    assert {p.id for p in result.train + result.validation} == trained


def test_the_split_is_deterministic_and_stratified(embedder: Embedder, tmp_path: Path) -> None:
    records = _sample_records()[::2]
    path = _write(tmp_path, records)
    first = check_data(path, embedder, DataCheckOptions(seed=3)).report.split
    # The same pairs in another order give the same split.
    reversed_path = _write(tmp_path, records[::-1], "reversed.jsonl")
    again = check_data(reversed_path, embedder, DataCheckOptions(seed=3)).report.split
    other = check_data(path, embedder, DataCheckOptions(seed=4)).report.split
    assert first is not None and again is not None and other is not None
    assert sorted(first.validation_ids) == sorted(again.validation_ids)
    assert first.validation_ids != other.validation_ids
    for domain, sides in first.by_domain.items():
        total = sides["train"] + sides["validation"]
        assert sides["validation"] == max(1, round(total * 0.1)), domain


def test_invalid_records_fail_the_check_with_line_numbers(embedder: Embedder) -> None:
    report = check_data(BAD / "malformed.jsonl", embedder).report
    assert not report.ok
    invalid = {d.line for d in report.dropped if d.reason == "invalid"}
    assert invalid == {2, 3, 4, 5, 7, 8, 9, 10, 12}
    assert report.counts.invalid == 9 and report.counts.records == 11
    assert any(i.kind == "split" and "Too little data" in i.message for i in report.errors)


def test_chat_records_are_checked_as_pairs(embedder: Embedder, tmp_path: Path) -> None:
    chat = [
        {
            "id": f"chat-{r['id']}",
            "domain": r["domain"],
            "messages": [
                {"role": "user", "content": r["question"]},
                {"role": "assistant", "content": r["answer"]},
            ],
        }
        for r in _sample_records(20)
    ]
    path = _write(tmp_path, chat)
    report = check_data(path, embedder).report
    assert report.ok and report.counts.chat_records == 20 and report.counts.pairs == 20


def test_whole_file_problems_raise(embedder: Embedder, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is empty"):
        check_data(BAD / "empty.jsonl", embedder)
    with pytest.raises(InputError, match="not valid UTF-8"):
        check_data(BAD / "latin1.jsonl", embedder)
    suite = tmp_path / "suite.jsonl"
    suite.write_text('{"question": "What is Tessel?"}\n{"prompt": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2: an eval suite record needs"):
        check_data(SAMPLE_QA, embedder, eval_suites=[suite])


def test_report_shape_is_pinned() -> None:
    # The JSON contract of `ragtune data check --json` (and of `ragtune train`'s data section).
    assert list(DataCheckReport.model_fields) == [
        "file",
        "sha256",
        "format",
        "ok",
        "seconds",
        "options",
        "eval_suites",
        "counts",
        "domains",
        "groups",
        "issues",
        "duplicates",
        "conflicts",
        "pii",
        "leakage",
        "tokens",
        "dropped",
        "dropped_by_reason",
        "split",
    ]
