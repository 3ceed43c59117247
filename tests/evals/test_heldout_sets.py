"""The held-out 18F handbook sets: well formed, and true to the corpus they quote.

These sets are held out: nothing in the code may be tuned on them. This test only checks that
they parse, meet their minimum sizes, and that every gold source, section and judge premise
really is in the handbook (when the corpus is present next to the repository).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.suites import Suite, load_suite
from indexes.chunking import chunk_document
from indexes.loaders.dispatch import load_file

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "samples" / "heldout" / "18f-handbook"
HANDBOOK = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "18f-handbook"
TUNING_QUESTIONS = REPO / "tests" / "data" / "18f_questions.jsonl"

needs_corpus = pytest.mark.skipif(
    not HANDBOOK.is_dir(),
    reason=f"the 18F handbook corpus is not present at {HANDBOOK}",
)

ANSWER_KINDS = {
    "amount",
    "count",
    "duration",
    "date",
    "person",
    "yes-no",
    "procedure",
    "definition",
    "frequency",  # from set G on
    "location",  # from set G on
}
NEAR_MISS_KINDS = {
    "missing-attribute",
    "other-qualifier",
    "out-of-scope-detail",
    "out-of-scope-topic",  # from set O on: a workplace topic the handbook never covers
}
SUPPORTED_KINDS = {"verbatim", "paraphrase", "combined", "quantity-restated", "light-rewording"}
UNSUPPORTED_KINDS = {
    "number-swap",
    "date-swap",
    "entity-swap",
    "negation",
    "other-section",
    "extra-clause",
    "unsupported-generalisation",
    "unit-swap",  # from set G on: the number kept, its unit changed
}
PAIR_FIELDS = {"id", "premise", "sentence", "supported", "kind", "source", "split"}

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _normalise(text: str) -> str:
    """Markdown links reduced to their text, whitespace runs folded to one space."""
    return " ".join(_LINK.sub(r"\1", text).split())


# Each set: its files' suffix and the split its judge pairs are marked with. Each was written
# after the changes its predecessor's results informed; README.md says what each is spent for.
SETS = {
    "a": ("", "heldout"),
    "b": ("_b", "heldout-b"),
    "c": ("_c", "heldout-c"),
    "d": ("_d", "heldout-d"),
    "e": ("_e", "heldout-e"),
    "f": ("_f", "heldout-f"),
    "g": ("_g", "heldout-g"),
    "h": ("_h", "heldout-h"),
    "i": ("_i", "heldout-i"),
    "j": ("_j", "heldout-j"),
    "k": ("_k", "heldout-k"),
    "l": ("_l", "heldout-l"),
    "m": ("_m", "heldout-m"),
    "n": ("_n", "heldout-n"),
    "o": ("_o", ""),  # short questions; no judge pairs
}
# Sets with judge pairs (set O has none).
PAIRED = sorted(name for name, (_, split) in SETS.items() if split)


def _answerable(name: str) -> Suite:
    return load_suite(DATA / f"answerable{SETS[name][0]}.jsonl")


def _near_miss(name: str) -> Suite:
    return load_suite(DATA / f"near_miss{SETS[name][0]}.jsonl")


def _pairs(name: str) -> list[dict[str, object]]:
    lines = (DATA / f"judge_pairs{SETS[name][0]}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


each_set = pytest.mark.parametrize("name", sorted(SETS))
each_paired_set = pytest.mark.parametrize("name", PAIRED)


def _kind(tags: list[str], allowed: set[str]) -> str:
    kinds = [t for t in tags if t in allowed]
    assert len(kinds) == 1, f"expected exactly one kind tag of {sorted(allowed)}, got {tags}"
    return kinds[0]


@each_set
def test_answerable_suite_meets_its_minimums(name: str) -> None:
    suite = _answerable(name)
    assert len(suite.items) >= 60
    assert len(suite.by_id()) == len(suite.items), "duplicate ids"
    for item in suite.items:
        assert item.expected_route == "rag" and item.answerable, item.id
        assert item.reference_answer, item.id
        assert item.gold_citations, item.id
        assert all(c.section for c in item.gold_citations), item.id
        _kind(item.tags, ANSWER_KINDS)
    sources = {c.source for item in suite.items for c in item.gold_citations}
    assert len(sources) >= 25


@each_set
def test_near_miss_suite_meets_its_minimums(name: str) -> None:
    suite = _near_miss(name)
    assert len(suite.items) >= 40
    assert len(suite.by_id()) == len(suite.items), "duplicate ids"
    for item in suite.items:
        assert item.expected_route == "none" and not item.answerable, item.id
        assert item.gold_citations == [], item.id
        assert item.reference_answer, item.id
        assert "near-miss" in item.tags, item.id
        _kind(item.tags, NEAR_MISS_KINDS)
    assert not set(suite.by_id()) & set(_answerable(name).by_id()), "ids shared between suites"


def test_no_question_is_taken_from_the_tuning_set_or_another_set() -> None:
    if not TUNING_QUESTIONS.is_file():
        pytest.skip(f"{TUNING_QUESTIONS} is absent")
    lines = TUNING_QUESTIONS.read_text(encoding="utf-8").splitlines()
    tuning = {_normalise(json.loads(line)["question"]).lower() for line in lines if line.strip()}
    seen: dict[str, str] = {}
    for name in SETS:
        for item in [*_answerable(name).items, *_near_miss(name).items]:
            question = _normalise(item.question).lower()
            assert question not in tuning, item.id
            assert question not in seen, f"{item.id} repeats {seen.get(question)}"
            seen[question] = item.id


@each_paired_set
def test_judge_pairs_parse_and_meet_their_minimums(name: str) -> None:
    pairs = _pairs(name)
    assert len(pairs) >= 120
    assert len({p["id"] for p in pairs}) == len(pairs), "duplicate ids"
    for pair in pairs:
        assert set(pair) == PAIR_FIELDS, pair.get("id")
        assert isinstance(pair["supported"], bool), pair["id"]
        assert pair["split"] == SETS[name][1], pair["id"]
        for field in ("id", "premise", "sentence", "source"):
            assert isinstance(pair[field], str) and pair[field].strip(), pair["id"]
        allowed = SUPPORTED_KINDS if pair["supported"] else UNSUPPORTED_KINDS
        assert pair["kind"] in allowed, pair["id"]
    counts = Counter(p["supported"] for p in pairs)
    assert counts[True] >= 60 and counts[False] >= 60


@needs_corpus
@each_set
def test_gold_sources_and_sections_are_in_the_handbook(name: str) -> None:
    sections: dict[str, set[str]] = {}
    for item in _answerable(name).items:
        for citation in item.gold_citations:
            path = HANDBOOK / citation.source
            assert path.is_file(), f"{item.id}: no {citation.source} in the handbook"
            if citation.source not in sections:
                doc = load_file(path, max_bytes=50_000_000)
                chunks = chunk_document(
                    doc, chunk_tokens=10**9, overlap_tokens=0, count_tokens=lambda s: 1
                )
                sections[citation.source] = {c.section for c in chunks}
            assert citation.section in sections[citation.source], (
                f"{item.id}: {citation.section!r} is not a section of {citation.source}"
            )


@needs_corpus
@each_paired_set
def test_every_premise_is_quoted_from_its_source(name: str) -> None:
    texts: dict[str, str] = {}
    for pair in _pairs(name):
        source = str(pair["source"])
        path = HANDBOOK / source
        assert path.is_file(), f"{pair['id']}: no {source} in the handbook"
        if source not in texts:
            texts[source] = _normalise(path.read_text(encoding="utf-8"))
        assert _normalise(str(pair["premise"])) in texts[source], (
            f"{pair['id']}: the premise is not verbatim in {source}"
        )


def test_short_questions_are_short() -> None:
    """Set O holds what a newcomer types: at most 8 words, no context sentence."""
    for item in [*_answerable("o").items, *_near_miss("o").items]:
        assert "short" in item.tags, item.id
        assert len(re.findall(r"[\w'’-]+", item.question)) <= 8, item.id
