"""The 18F design sets: well formed, and apart from the held-out sets they sit beside.

Designing on a set that shares a gold section, a question or a premise sentence with a held-out
set would make that held-out figure no longer blind.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from evals.judges.calibration import load_pairs
from evals.suites import load_suite

REPO = Path(__file__).resolve().parents[2]
DESIGN = REPO / "samples" / "design" / "18f-handbook"
HELDOUT = REPO / "samples" / "heldout" / "18f-handbook"


def _sentences(text: str) -> set[str]:
    """The premise's sentences; a bare list number ("1.") is none, and two premises that
    both open a numbered list share nothing by it."""
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return {s.strip() for s in parts if re.search(r"[A-Za-z]", s)}


def test_design_questions_parse_and_keep_apart_from_every_held_out_set() -> None:
    answerable = load_suite(DESIGN / "answerable_design.jsonl").items
    near_miss = load_suite(DESIGN / "near_miss_design.jsonl").items
    assert len(answerable) == 60 and len(near_miss) == 40
    assert all(i.answerable and i.gold_citations for i in answerable)
    assert all(not i.answerable and not i.gold_citations for i in near_miss)
    held = [
        i
        for f in sorted(HELDOUT.glob("*.jsonl"))
        if "judge" not in f.name
        for i in load_suite(f).items
    ]
    held_gold = {(c.source, c.section) for i in held for c in i.gold_citations}
    held_questions = {i.question.strip().lower() for i in held}
    for item in [*answerable, *near_miss]:
        assert item.question.strip().lower() not in held_questions, item.id
        for c in item.gold_citations:
            assert (c.source, c.section) not in held_gold, item.id


def test_design_judge_pairs_share_no_premise_sentence_with_a_held_out_set() -> None:
    pairs = load_pairs(DESIGN / "judge_pairs_design.jsonl")
    assert len(pairs) == 120 and sum(p.supported for p in pairs) == 70
    held = set()
    for f in sorted(HELDOUT.glob("judge_pairs*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                held |= _sentences(json.loads(line)["premise"])
    for p in pairs:
        assert not _sentences(p.premise) & held, p.sentence


def test_short_design_questions_keep_apart_from_their_blind_twin() -> None:
    """The short design set and set O come from the same writers, split at random: they share
    no gold section and no question, and no design question repeats a held-out one. (Short
    general questions land on the handbook's main sections, which earlier sets also cite.)"""
    answerable = load_suite(DESIGN / "answerable_short.jsonl").items
    near_miss = load_suite(DESIGN / "near_miss_short.jsonl").items
    assert len(answerable) == 60 and len(near_miss) == 40
    assert all(i.answerable and len(i.gold_citations) == 1 for i in answerable)
    assert all(not i.answerable and not i.gold_citations for i in near_miss)
    twin = load_suite(HELDOUT / "answerable_o.jsonl").items
    twin_gold = {(c.source, c.section) for i in twin for c in i.gold_citations}
    assert not {(c.source, c.section) for i in answerable for c in i.gold_citations} & twin_gold
    held_questions = {
        i.question.strip().lower()
        for f in sorted(HELDOUT.glob("*.jsonl"))
        if "judge" not in f.name
        for i in load_suite(f).items
    }
    for item in [*answerable, *near_miss]:
        assert item.question.strip().lower() not in held_questions, item.id
