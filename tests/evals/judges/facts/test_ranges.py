"""Values a text states, bands included: the row of a table that holds the asked case."""

from __future__ import annotations

import math

import pytest

from evals.judges.facts import facts_of
from evals.judges.facts.quantities import Quantity
from evals.judges.facts.ranges import intervals, required_values, states_value, values_missing


def value(text: str) -> Quantity:
    """The one quantity ``text`` states."""
    (q,) = facts_of(text).quantities
    return q


@pytest.mark.parametrize(
    ("text", "low", "high", "closed"),
    [
        ("Less than 3 years", -math.inf, 3.0, (True, False)),
        ("3 to less than 6 years", 3.0, 6.0, (True, False)),
        ("6 years or more", 6.0, math.inf, (True, True)),
        ("Over 15 years", 15.0, math.inf, (False, True)),
        ("up to 5 days in advance", -math.inf, 5.0, (True, True)),
        ("between 15% and 30%", 15.0, 30.0, (True, True)),
        ("2-5 business days", 2.0, 5.0, (True, True)),
        ("at least 2 weeks", 2.0, math.inf, (True, True)),
    ],
)
def test_a_band_is_read_with_its_ends(
    text: str, low: float, high: float, closed: tuple[bool, bool]
) -> None:
    (band,) = intervals(facts_of(text))
    assert (band.low, band.high, (band.low_closed, band.high_closed)) == (low, high, closed)


def test_a_bound_after_one_value_is_not_taken_by_the_next() -> None:
    years, days = intervals(facts_of("6 years or more; 26 days"))
    assert (years.low, years.high) == (6.0, math.inf)
    assert (days.low, days.high) == (26.0, 26.0)  # a value, not "26 days or more"


def test_two_listed_values_are_not_a_band() -> None:
    assert [(i.low, i.high) for i in intervals(facts_of("5 days and 10 days"))] == [
        (5.0, 5.0),
        (10.0, 10.0),
    ]


def test_the_asked_value_is_found_in_its_band_or_as_written() -> None:
    five = value("after five years")
    assert states_value(facts_of("3 to less than 6 years: 23 days"), five)
    assert not states_value(facts_of("Less than 3 years: 20 days"), five)
    assert not states_value(facts_of("6 years or more: 26 days"), five)
    assert states_value(facts_of("Speed: 1.0 m/s; Unloaded: 0.30 m"), value("at 1 m/s"))
    assert states_value(facts_of("within 14 days"), value("two weeks"))  # the same duration
    assert not states_value(facts_of("Speed: 2.0 m/s (top speed)"), value("at 1 m/s"))
    # The end of an open band is outside it; of a closed one, inside.
    assert not states_value(facts_of("Less than 3 years"), value("3 years"))
    assert states_value(facts_of("3 to less than 6 years"), value("3 years"))


def test_a_value_is_required_only_where_the_text_gives_several_cases_of_its_unit() -> None:
    five = value("after five years")
    table = facts_of("Less than 3 years: 20 days. 3 to less than 6 years: 23 days.")
    assert required_values(table, (five,)) == (five,)
    assert required_values(facts_of("Everyone gets 25 days of vacation."), (five,)) == ()
    # One value of the unit describes a situation, not a choice of cases.
    trip = facts_of("M&IE is 75% on the first and last days. The three days were added.")
    assert required_values(trip, (value("a 3-day trip"),)) == ()
    two_days = value("a 2-day trip")
    assert required_values(facts_of("The per diem is $65 per day."), (two_days,)) == ()
    row = facts_of("Less than 3 years: 20 days")
    assert values_missing(row, (five,)) == (five,)
    assert values_missing(facts_of("3 to less than 6 years: 23 days"), (five,)) == ()


def test_a_rule_for_the_other_side_of_a_threshold_holds_the_values_there() -> None:
    one_day, five_days = value("a one-day absence"), value("a five-day absence")
    rule = "Absences of more than 3 days need 2 weeks' notice; shorter ones need 2 business days."
    assert values_missing(facts_of(rule), (one_day, five_days)) == ()
    # Without a word for the other side, the threshold and one case below it are all it says.
    cases = (
        "Absences of more than 3 days need 2 weeks' notice; 2-day absences need 2 business days."
    )
    assert values_missing(facts_of(cases), (one_day, five_days)) == (one_day,)
    # "longer than" names the threshold itself, not its other side.
    assert values_missing(facts_of("Trips longer than 5 days need approval."), (one_day,)) == (
        one_day,
    )
