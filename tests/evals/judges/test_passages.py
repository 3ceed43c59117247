"""A cited passage read in windows of adjacent sentences."""

from evals.judges.passages import Evidence, windows, with_count


def test_a_window_quotes_a_list_item_with_its_lead_in() -> None:
    per_diem = Evidence(
        "Meals are covered by a daily per diem:\n\n- **Domestic:** $65 per day\n"
        "- **International:** $90 per day",
        "Travel",
        "Travel > Per diem",
        "travel.md",
    )
    quotes = [w.quote for w in windows(per_diem, 1)]
    assert ("Meals are covered by a daily per diem: International: $90 per day.",) in quotes


def test_a_heading_is_read_with_its_run_and_never_quoted_or_crossed() -> None:
    passage = Evidence(
        "### Calculating travel comp time\n\nTravel comp time hours are based on elapsed time."
        " They are rounded to 15 minutes.\n\n#### Using it\n\nAsk your supervisor first.",
    )
    found = windows(passage, 2)
    quoted = [s for w in found for s in w.quote]
    assert "Calculating travel comp time" not in quoted
    assert "Using it" not in quoted
    # The heading is read with the sentences under it, not with those above.
    assert all(w.text.startswith("Calculating travel comp time") for w in found[:2])
    assert found[-1].text == "Using it Ask your supervisor first."
    assert not any("rounded" in w.text and "supervisor" in w.text for w in found)


def test_a_section_number_in_a_heading_states_no_amount() -> None:
    per_diem = Evidence("### 4.1 Per diem rates\n\nMeals are covered by a daily per diem.")
    (only,) = windows(per_diem, 2)
    assert only.stated == "Meals are covered by a daily per diem."


def test_a_bold_line_standing_for_a_heading_is_read_as_one() -> None:
    passage = Evidence("**Greybox testing**\n\nThe team knows part of the system.")
    (only,) = windows(passage, 2)
    assert only.text == "Greybox testing The team knows part of the system."
    assert only.quote == ("The team knows part of the system.",)


def test_a_whole_list_after_its_lead_in_is_one_window_that_counts_its_items() -> None:
    passage = Evidence(
        "Staff can post to these newsletters:\n\n- the Weekly Digest\n- Field Notes\n"
        "- the Lab Letter\n\nEach has its own editor.\n\n- a stray item\n- another one"
    )
    listed = [w for w in windows(passage, 2) if w.listed]
    assert [w.listed for w in listed] == [3]
    assert listed[0].quote == (
        "Staff can post to these newsletters: the Weekly Digest; Field Notes; the Lab Letter.",
    )
    assert listed[0].parts == (
        "Staff can post to these newsletters:",
        "the Weekly Digest",
        "Field Notes",
        "the Lab Letter",
    )


def test_a_list_whose_items_wrap_after_a_few_words_is_still_one_list() -> None:
    # Hard-wrapped Markdown: an item's first line can be shorter than the match it needs.
    passage = Evidence(
        "The open groups are:\n\n- parents — for parents\n  and their friends.\n"
        "- vets — for veterans\n  and allies.\n- books — for readers of any kind at all.\n"
    )
    (listed,) = [w for w in windows(passage, 2) if w.listed]
    assert listed.listed == 3


def test_a_quoted_list_says_how_many_it_lists() -> None:
    assert with_count("Staff can post to: A; B; C.", 3) == "Staff can post to: A; B; C (3 in all)."
