"""Words: stems that match inflections."""

from __future__ import annotations

from evals.judges.facts.words import stem


def test_stem_matches_inflections() -> None:
    assert stem("returned") == stem("returns") == stem("return")
    assert stem("shipping") == stem("shipped") == stem("ship")
    assert stem("fell") == stem("fall")
