"""How a passage reads as quotable units: lead-ins joined to their lists, hard-wrapped lines
joined, headings and emphasis dropped, and the units of a worked example marked."""

from __future__ import annotations

import pytest

from agent.passage_units import quotable_units, read_units
from tests.agent.test_extractive import ADVANCE, PER_DIEM


def test_a_lead_in_with_a_colon_is_joined_to_its_list() -> None:
    assert quotable_units(PER_DIEM) == [
        "Meals while travelling are covered by a daily per diem instead of individual receipts: "
        "Domestic: $65 per day; International: $90 per day.",
        "On the first and last day of a trip you receive 75% of the per diem.",
        "If a meal is provided (by a customer, a conference or on a flight), you still receive "
        "the full per diem.",
    ]


def test_lists_without_a_lead_in_and_headings() -> None:
    text = "# Steps\n\n1. Park the robot.\n2. Lock out the charger.\n\nThe list ends:\n## Next"
    # Items without a lead-in are units of their own; a lead-in cut off by a heading stays.
    assert quotable_units(text) == ["Park the robot", "Lock out the charger", "The list ends:"]


def test_a_hard_wrapped_sentence_is_quoted_whole() -> None:
    # Markdown wrapped at 80 columns: a quote cut at the wrap says half of the rule.
    text = (
        "Change your login password when you start and every\n"
        "90 days after that. Use at least\n"
        "16 characters.\n\n"
        "- A reset takes effect\n"
        "  at once.\n"
        "Treat remote meetings as you would in-person\n"
        "meetings: be on time.\n"
        "E-214 is a lidar occlusion.\n"
        "Report it with a short note (e.g.\n"
        "sensor blocked by a pallet).\n"
        "product: Stacker S6\n"
        "firmware: 6.4.1\n"
    )
    assert quotable_units(text) == [
        "Change your login password when you start and every 90 days after that.",
        "Use at least 16 characters.",
        "A reset takes effect at once",
        "Treat remote meetings as you would in-person meetings: be on time.",
        "E-214 is a lidar occlusion.",
        # A wrap after an abbreviation's full stop: the line in lower case goes on.
        "Report it with a short note (e.g. sensor blocked by a pallet).",
        # A record's fields stay lines of their own.
        "product: Stacker S6",
        "firmware: 6.4.1",
    ]


def test_a_bold_line_standing_for_a_heading_is_not_quoted() -> None:
    text = "**Greybox testing**\n\nThe team knows part of the system.\n\n**Fix:**\n- Press Resume\n"
    # The bold line alone is a heading; a bold lead-in still introduces its list.
    assert quotable_units(text) == ["The team knows part of the system.", "Fix: Press Resume."]


def test_a_channel_name_at_a_wrap_is_not_taken_for_a_heading() -> None:
    # Wrapped before "#general": the line is the rest of the sentence, not a heading.
    text = (
        "## Help\n\n#questions is where to ask for help.\n"
        "Post updates and news in\n#general every week."
    )
    assert quotable_units(text) == [
        "#questions is where to ask for help.",
        "Post updates and news in #general every week.",
    ]


def test_emphasis_goes_and_escaped_marks_stay_as_written() -> None:
    text = "\\*Note: travel abroad is *rare.* Follow **_all_** steps in file_name.\n"
    assert quotable_units(text) == [
        "*Note: travel abroad is rare.",
        "Follow all steps in file_name.",
    ]


@pytest.mark.parametrize(
    ("passage", "examples"),
    [
        (ADVANCE, [False, True, True, True]),
        (
            "A rule.\n\nFor example:\n\nA case here. Its outcome.\n\nAnother rule.",
            [False, True, True, True, False],
        ),
        (
            "A rule.\n\nFor instance:\n\n- one case\n- another case\n\nA second rule.",
            [False, True, False],
        ),
        ("E.g. a case of it. A rule follows later.", [True, True]),
    ],
)
def test_units_of_a_worked_example_are_marked(passage: str, examples: list[bool]) -> None:
    assert [u.example for u in read_units(passage)] == examples
