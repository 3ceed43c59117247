"""ragtune/console.py: text others wrote is printed so that it cannot hide or reorder itself."""

from __future__ import annotations

from ragtune.console import shown


def test_bidi_overrides_and_terminal_escapes_are_printed_as_escapes() -> None:
    comment = "fine \u202eelif.exe\u202c done\nsecond line \x1b[31mred\x1b[0m café 東京"
    printed = shown(comment)
    assert "\u202e" not in printed and "\x1b" not in printed
    assert "\\u202e" in printed and "\\x1b[31m" in printed
    assert printed.split("\n")[1].startswith("second line")  # line breaks stay
    assert "café 東京" in printed  # letters of any script are kept
