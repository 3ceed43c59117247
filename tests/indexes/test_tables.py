"""Markdown tables: rows read with their column names, and the header a chunk continues."""

from __future__ import annotations

import pytest

from indexes.sentences import split_sentences
from indexes.tables import TableHeaders, cells, markdown_table, table_row, with_table_header

TABLE = (
    "Rates by region.\n\n"
    "| Region | Standard | Express |\n"
    "|:--|--:|--:|\n"
    "| North | 5 days | 2 days |\n"
    "| South | 6 days | — |\n"
    "| East | 4 days | 1 day |\n"
    "\n"
    "| Carrier | Phone |\n"
    "|---|---|\n"
    "| Swift | 555-0101 |\n"
    "\n"
    "Closing note."
)
HEADER = "| Region | Standard | Express |\n|:--|--:|--:|"


@pytest.mark.parametrize(
    ("at", "header"),
    [
        ("| North", HEADER),  # the first row, right below the rule
        ("| East", HEADER),
        ("6 days", HEADER),  # a chunk may start inside a row
        ("| Swift", "| Carrier | Phone |\n|---|---|"),  # the nearest table's own header
        ("|:--", "| Region | Standard | Express |"),  # at the rule: the header row only
        ("| Region", ""),  # the chunk holds its header itself
        ("Rates", ""),
        ("Closing", ""),
    ],
)
def test_the_header_a_chunk_continues_is_the_one_above_it(at: str, header: str) -> None:
    assert TableHeaders(TABLE).above(TABLE.index(at)) == header


def test_a_table_without_a_header_gives_none() -> None:
    rows = "Intro.\n\n| a | b |\n| c | d |\n| e | f |\n"
    assert TableHeaders(rows).above(rows.index("| e")) == ""


def test_a_table_right_below_another_has_its_own_header() -> None:
    text = "| a | b |\n|---|---|\n| 1 | 2 |\n| x | y |\n|---|---|\n| 3 | 4 |\r\n| 5 | 6 |"
    headers = TableHeaders(text)
    assert headers.above(text.index("| 1")) == "| a | b |\n|---|---|"
    assert headers.above(text.index("| x")) == ""  # the second table's header row
    assert headers.above(text.index("| 5")) == "| x | y |\n|---|---|"


def test_rows_below_the_cut_read_with_their_column_names() -> None:
    below = TABLE[TABLE.index("| South") : TABLE.index("\n\n| Carrier")]
    assert split_sentences(below) == ["South | 6 days | —", "East | 4 days | 1 day"]
    readable = with_table_header(TableHeaders(TABLE).above(TABLE.index("| South")), below)
    assert split_sentences(readable) == [
        "Region: South; Standard: 6 days",  # the dash cell says nothing
        "Region: East; Standard: 4 days; Express: 1 day",
    ]
    assert with_table_header("", below) == below


def test_a_row_whose_cells_do_not_fit_the_header_keeps_its_cells() -> None:
    assert table_row(["a", "b", "c"], ["x", "y"]) == "a | b | c"
    assert table_row(["a", "", "c"], None) == "a | c"


def test_a_table_from_another_format_reads_as_a_headed_pipe_table() -> None:
    lines = markdown_table([["Plan", "Cost"], ["Basic | monthly", "$10"]], header=True)
    assert lines == ["| Plan | Cost |", "|---|---|", "| Basic \\| monthly | $10 |"]
    assert cells(lines[2]) == ["Basic | monthly", "$10"]  # the escaped pipe stays in its cell
    assert split_sentences("\n".join(lines)) == ["Plan: Basic | monthly; Cost: $10"]
    assert markdown_table([["Plan", "Cost"]], header=True) == ["| Plan | Cost |"]
