"""The shared record: blocks joined by blank lines, each span pointing at its own text."""

from __future__ import annotations

from indexes.loaders.document import Span, join_blocks


def test_join_blocks_records_where_each_block_sits() -> None:
    text, spans = join_blocks([("Page one", "", 1), ("Row 2: A1", "Row 2", None)])
    assert text == "Page one\n\nRow 2: A1"
    assert spans == [Span(0, 8, "", 1), Span(10, 19, "Row 2", None)]
    assert [text[s.start : s.end] for s in spans] == ["Page one", "Row 2: A1"]


def test_join_blocks_of_nothing_is_empty() -> None:
    assert join_blocks([]) == ("", [])
