"""The train/validation split: deterministic, stratified by domain, refuses too little data."""

from __future__ import annotations

import random

import pytest

from ragtune.errors import InputError
from training.data.records import QAPair
from training.data.splits import split_pairs


def _pairs() -> list[QAPair]:
    sizes = {"glossary": 40, "procedures": 30, "hr": 10, "safety": 1}
    return [
        QAPair(
            id=f"{d}-{n}", question=f"{d} question {n}?", answer=f"Answer {n}.", line=k, domain=d
        )
        for k, (d, n) in enumerate(((d, n) for d, size in sizes.items() for n in range(size)), 1)
    ]


def test_same_seed_same_split_whatever_the_order() -> None:
    pairs = _pairs()
    a = split_pairs(pairs, validation_fraction=0.1, seed=7, min_pairs=10)
    shuffled = pairs[:]
    random.Random(1).shuffle(shuffled)
    b = split_pairs(shuffled, validation_fraction=0.1, seed=7, min_pairs=10)
    assert {p.id for p in a.validation} == {p.id for p in b.validation}
    c = split_pairs(pairs, validation_fraction=0.1, seed=8, min_pairs=10)
    assert {p.id for p in a.validation} != {p.id for p in c.validation}


def test_every_domain_is_represented_in_proportion() -> None:
    split = split_pairs(_pairs(), validation_fraction=0.1, seed=42, min_pairs=10)
    assert split.by_domain == {
        "glossary": {"train": 36, "validation": 4},
        "hr": {"train": 9, "validation": 1},
        "procedures": {"train": 27, "validation": 3},
        "safety": {"train": 1, "validation": 0},  # one pair cannot be split
    }
    assert len(split.train) + len(split.validation) == 81
    assert not {p.id for p in split.train} & {p.id for p in split.validation}
    # Pairs keep their file order on each side.
    assert [p.line for p in split.train] == sorted(p.line for p in split.train)


def test_adding_a_pair_to_one_domain_leaves_the_others_alone() -> None:
    pairs = _pairs()
    before = split_pairs(pairs, validation_fraction=0.1, seed=42, min_pairs=10)
    extra = QAPair(id="hr-new", question="A new hr question?", answer="Yes.", line=99, domain="hr")
    after = split_pairs([*pairs, extra], validation_fraction=0.1, seed=42, min_pairs=10)
    kept = {p.id for p in before.validation if p.domain != "hr"}
    assert kept == {p.id for p in after.validation if p.domain != "hr"}


def test_too_little_data_for_a_split() -> None:
    with pytest.raises(InputError, match="Too little data for a split: 3 usable pairs"):
        split_pairs(_pairs()[:3], validation_fraction=0.1, seed=42, min_pairs=10)
    one_each = [
        QAPair(id=str(n), question=f"q{n}?", answer="a", line=n, domain=f"d{n}") for n in range(12)
    ]
    with pytest.raises(InputError, match="no domain has two or more"):
        split_pairs(one_each, validation_fraction=0.1, seed=42, min_pairs=10)
