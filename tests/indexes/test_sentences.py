"""indexes/sentences.py: a bold-only line is the heading it stands for."""

from indexes.sentences import with_bold_headings


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
