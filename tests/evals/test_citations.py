"""Sentence splitting and citation markers: one way to cut answers for every metric."""

from __future__ import annotations

import pytest

from evals.citations import (
    parse_citations,
    parse_markers,
    split_cited_sentences,
    split_sentences,
    strip_markers,
)


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    text = "The per diem is $90 per day. [1] Staff get 75% on the first day [2]. Done.[1, 3]"
    assert split_sentences(text) == [
        "The per diem is $90 per day. [1]",
        "Staff get 75% on the first day [2].",
        "Done.[1, 3]",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The S4 moves at 0.8 m/s in Manual mode.",
        "Tessel 3.8.2 shipped on 5 August 2024.",
        "Call Finance, e.g. on ext. 3320, before you book.",
        "J. Smith approved the RMA-2024-00421 request.",
    ],
)
def test_decimals_versions_abbreviations_and_initials_do_not_split(text: str) -> None:
    assert split_sentences(text) == [text]


def test_list_items_table_rows_and_headings_are_separate() -> None:
    text = (
        "# Rates\n- Domestic: $65 per day\n- International: $90 per day\n\n"
        "| P1 | 1 hour |\n|---|---|"
    )
    assert split_sentences(text) == [
        "Rates",
        "Domestic: $65 per day",
        "International: $90 per day",
        "P1 | 1 hour",
    ]


def test_wrapped_lines_of_a_paragraph_are_joined() -> None:
    assert split_sentences("Stage 1 covers 5% of the\nfleet. Soak: 72 hours.") == [
        "Stage 1 covers 5% of the fleet.",
        "Soak: 72 hours.",
    ]


def test_a_marker_on_its_own_joins_the_sentence_before() -> None:
    assert split_sentences("The pad needs a 40 A circuit.\n[2]") == [
        "The pad needs a 40 A circuit. [2]"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a [1] b [3]", (1, 3)),
        ("a [1][2]", (1, 2)),
        ("a [1, 3]", (1, 3)),
        ("a [2-4]", (2, 3, 4)),
        ("a [3] b [1] c [3]", (3, 1)),
        ("no markers, [x] or [] here", ()),
    ],
)
def test_parse_markers(text: str, expected: tuple[int, ...]) -> None:
    assert parse_markers(text) == expected


def test_parse_citations_strips_markers_and_repairs_spacing() -> None:
    cited = parse_citations("The fee is 15% [1] [2].")
    assert cited.text == "The fee is 15%."
    assert cited.citations == (1, 2)
    assert cited.raw == "The fee is 15% [1] [2]."
    assert strip_markers("A [1], B [2]; C.") == "A, B; C."


def test_split_cited_sentences_drops_marker_only_pieces() -> None:
    parsed = split_cited_sentences("[1]\n\nThe fee is 15% [2].")
    assert [(p.text, p.citations) for p in parsed] == [("The fee is 15%.", (2,))]
