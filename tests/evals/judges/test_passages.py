"""A cited passage read in windows of adjacent sentences."""

from evals.judges.passages import Evidence, windows


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
