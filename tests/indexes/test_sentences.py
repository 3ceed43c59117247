"""indexes/sentences.py: bold-only lines and ATX headings; a "#channel" is not a heading; a
table row is read with its header; a sentence ends inside bold, italics or curly quotes."""

from indexes.sentences import heading_text, plain_markdown, split_sentences, with_bold_headings


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


def test_a_sentence_ends_inside_bold_italics_or_curly_quotes() -> None:
    text = (
        "**Begin at least two weeks before your last day.** Your last day cannot be a holiday. "
        "Write “They took 2 weeks longer.” Then stop. It is _optional._ **Note:** ask first. "
        "Say ‘thanks.’ “Ask me,” she said."
    )
    assert split_sentences(text) == [
        "**Begin at least two weeks before your last day.**",
        "Your last day cannot be a holiday.",
        "Write “They took 2 weeks longer.”",
        "Then stop.",
        "It is _optional._",
        "**Note:** ask first.",
        "Say ‘thanks.’",
        "“Ask me,” she said.",
    ]


def test_emphasis_or_a_quote_before_a_small_letter_starts_no_sentence() -> None:
    text = "Read it. _see below_ for more. See the “rules.” below. Dr. **Smith** signs."
    assert split_sentences(text) == [
        "Read it. _see below_ for more.",
        "See the “rules.” below.",
        "Dr. **Smith** signs.",
    ]


SPECS = """Key figures:

| Spec | Stacker S6 | Stacker S4 |
|---|:---:|---|
| Top speed (open floor) | 1.8 m/s | 1.5 m/s |
| Cold store | -25 °C | – |

| Mode | Limit |
|------|-------|

| Manual | 0.8 m/s |
"""


def test_a_table_row_is_read_with_its_header_and_the_header_is_no_sentence() -> None:
    assert split_sentences(SPECS) == [
        "Key figures:",
        "Spec: Top speed (open floor); Stacker S6: 1.8 m/s; Stacker S4: 1.5 m/s",
        # A dash is an empty cell; a negative number is not.
        "Spec: Cold store; Stacker S6: -25 °C",
        # A table of a header alone keeps it as its text.
        "Mode | Limit",
        # Below a blank line, a row has no header: a chunk can start inside a table.
        "Manual | 0.8 m/s",
    ]


def test_plain_markdown_reads_as_the_page_shows_and_keeps_names_and_bullets() -> None:
    # One reading for the quote and the answerability windows: marks go, snake_case names,
    # list bullets, escaped characters and line breaks stay.
    text = (
        "**Before you start**\n"
        "* Read the _whole_ guide, then run `make check`.\n"
        "* Set **_optional_** flags in snake_case_names.\n"
        "\\*Note: *a note.*"
    )
    assert plain_markdown(text) == (
        "#### Before you start\n"
        "* Read the whole guide, then run make check.\n"
        "* Set optional flags in snake_case_names.\n"
        "*Note: a note."
    )
