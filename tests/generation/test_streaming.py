"""Stop strings cut from streamed text across piece boundaries."""

from __future__ import annotations

from generation.streaming import StopTrimmer


def test_stop_trimmer_cuts_across_pieces_and_holds_back_only_prefixes() -> None:
    trimmer = StopTrimmer(["###", "END"])
    assert trimmer.feed("Hello #") == "Hello "  # '#' may start '###'
    assert trimmer.feed("# not yet") == "## not yet"  # the held "#" comes out: no stop
    assert trimmer.feed(" E") == " "
    assert trimmer.feed("N") == ""
    assert trimmer.feed("D and more") == ""
    assert trimmer.hit and trimmer.flush() == ""
    passthrough = StopTrimmer([])
    assert passthrough.feed("abc") == "abc" and passthrough.flush() == ""
    tail = StopTrimmer(["STOP"])
    assert tail.feed("so ST") == "so " and tail.flush() == "ST"
