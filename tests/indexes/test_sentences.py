"""indexes/sentences.py: bold-only lines and ATX headings; a "#channel" is not a heading."""

from indexes.sentences import heading_text, split_sentences, with_bold_headings


def test_a_bold_only_line_becomes_a_heading_and_lead_ins_and_sentences_stay() -> None:
    text = "**Greybox testing**\n\n**Fix:**\n- Press Resume\n**Read this first.**\n__MacBooks__"
    assert with_bold_headings(text).splitlines() == [
        "#### Greybox testing",
        "",
        "**Fix:**",
        "- Press Resume",
        "**Read this first.**",
        "#### MacBooks",
    ]


def test_bold_inside_a_line_is_not_a_heading() -> None:
    line = "**Domestic:** $65 per day and **more** on trips"
    assert with_bold_headings(line) == line


def test_a_channel_name_opening_a_line_is_not_a_heading() -> None:
    text = "## Getting help\n#questions is where to ask.\n# \nPost news in #general."
    assert heading_text("## Getting help") == "Getting help"
    assert heading_text("#questions is where to ask.") is None
    assert heading_text("#") == ""
    assert split_sentences(text) == [
        "Getting help",
        "#questions is where to ask.",
        "Post news in #general.",
    ]
