"""The asked attribute: what kind of answer a question wants, and whether a passage states one."""

from __future__ import annotations

import pytest

from evals.judges.attributes import asked_attribute, attribute_found


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much is the per diem?", "price"),
        ("How many robots may share one pad?", "count"),
        ("How many days of leave do I get?", "duration"),
        ("How long is the warranty?", "duration"),
        ("When are ratings locked?", "date"),
        ("Who approves business class?", "person"),
        ("Can I carry over unused days?", "yes/no"),
        ("How do I request a loaner robot?", "procedure"),
        ("How big is the first rollout stage?", "amount"),
        ("How far ahead does the safety field reach?", "amount"),
        ("How soon is an engineer on site?", "duration"),
        # A quantity noun a few words after "what" asks for a number, not a definition.
        ("What is this year's plan contribution limit in dollars?", "price"),
        ("What is the per-mile reimbursement rate for my own car?", "price"),
        ("At what minimum age can I retire?", "amount"),
        ("What is the most the office will pay per month?", "price"),
        ("What is the longest a detail can run if extended?", "duration"),
        ("What's the largest file I can upload?", "amount"),
        ("What's the simplest way to move a file to my desktop?", "procedure"),
        ("How many times a year do the surveys go out?", "frequency"),
        ("How often is the backlog reviewed?", "frequency"),
        ("Is bike parking at the office free?", "amount"),
        ("Does it cost anything to add guests?", "price"),
        ("Is bike parking at the office covered?", "yes/no"),
        ("What hours is the help desk open?", "date"),
        ("What is the difference between a term and a permanent hire?", "definition"),
        ("What's the pay period schedule?", "definition"),
        # A condition clause before the question does not say what is asked.
        ("When I travel on a Sunday, do I earn comp time?", "yes/no"),
        ("If my flight is cancelled, how long do I have to rebook?", "duration"),
        ("As a contractor, who approves my timesheet?", "person"),
        ("When does the office open, and who staffs it?", "date"),
        # "How late" asks a time of day; a deadline or cutoff names the date asked.
        ("How late does the night bus run?", "date"),
        ("What was the cutoff for filing the renewal form?", "date"),
        # Contact details asked by name, and a name asked as "the name of".
        ("What's the phone number for the mailroom?", "phone"),
        ("Is there a number to call for the help desk?", "phone"),
        ("Which email address reaches the payroll team?", "email"),
        ("What's the handle of our video channel?", "link"),
        ("What's the name of the current office manager?", "person"),
        ("How do I get an email address for my alias?", "procedure"),
        ("Which fuse rating does each Q-Link pad need?", "definition"),
        ("Which channel reposts the news that goes out by email?", "definition"),
    ],
)
def test_the_asked_attribute_is_read_from_the_question(question: str, kind: str) -> None:
    assert asked_attribute(question) == kind


def test_a_bare_year_answers_a_date_question() -> None:
    assert attribute_found("date", "The office got its authority in 2016.")
    assert not attribute_found("date", "The office has 250 staff.")


def test_no_cost_answers_an_amount_and_a_plural_weekday_a_date() -> None:
    assert attribute_found("amount", "Guests are free to add.")
    assert attribute_found("amount", "Membership comes at no cost to employees.")
    assert not attribute_found("amount", "Guests can be added by any member.")
    assert attribute_found("date", "He is usually in on Tuesdays.")


def test_before_or_within_alone_answer_when_and_how_often_but_not_how_long() -> None:
    window = "Submit the form before you travel."
    assert attribute_found("date", window)
    assert not attribute_found("duration", window)
    assert attribute_found(
        "frequency", "Seats are reviewed at the end of each quarter, before renewal."
    )
    assert attribute_found("duration", "Submit the form within 5 days.")


def test_not_costing_anything_answers_an_amount_and_notice_is_a_duration() -> None:
    assert attribute_found("amount", "Guests do not cost any money to add.")
    assert attribute_found("amount", "There is no additional fee.")
    assert asked_attribute("How much notice does either side need to end it?") == "duration"


def test_a_length_of_time_needs_a_period_and_a_count_needs_things() -> None:
    # A price per period, a share or a count of sessions states no length of time ...
    assert not attribute_found("duration", "The licence costs $1,150 per robot per year.")
    assert not attribute_found("duration", "Each cohort runs 4 sessions for 12 people.")
    assert attribute_found("duration", "Each session lasts 90 minutes.")
    assert attribute_found("duration", "Sessions run every Tuesday.")
    # ... and a price, a share or a period counts no things.
    assert not attribute_found("count", "Seats cost $15 each and renew every 30 days.")
    assert attribute_found("count", "The team has 12 paid seats.")


def test_how_long_a_thing_must_be_asks_a_length_not_a_time() -> None:
    assert asked_attribute("How long must the passcode on my phone be?") == "amount"
    assert asked_attribute("How long does a password have to be at a minimum?") == "amount"
    assert asked_attribute("How long is the warranty?") == "duration"
    assert asked_attribute("How long can a detail last?") == "duration"
    # The counted unit may follow a modifier.
    assert asked_attribute("For how many working days a year may I work abroad?") == "duration"
    assert asked_attribute("How many regular hours should Friday show?") == "duration"
    assert asked_attribute("How many paid seats do we have?") == "count"


def test_an_amount_of_money_is_a_price_that_only_money_or_free_answers() -> None:
    assert asked_attribute("How much is the train fare to the airport?") == "price"
    assert asked_attribute("What does a single bus ride cost?") == "price"
    # A pay period is no price, nor is how far ahead one books for the cheaper fares.
    assert asked_attribute("How much leave do I earn each pay period?") == "amount"
    assert asked_attribute("How far ahead must I book to get the contract fares?") == "amount"
    assert attribute_found("price", "A single ride costs $2.50.")
    assert attribute_found("price", "The plan costs 8% of the list price per year.")
    assert attribute_found("price", "Bike parking is free for employees.")
    assert not attribute_found("price", "Take line 2 for 4 stops to the airport.")


def test_a_clock_time_answers_how_late() -> None:
    question = "How late does the night bus run on weekdays?"
    assert attribute_found(asked_attribute(question), "It runs between 5 a.m. and 1 a.m.")


def test_a_contact_detail_is_found_only_when_stated() -> None:
    assert attribute_found("phone", "Call the desk at (555) 010-4477 after hours.")
    assert not attribute_found("phone", "The desk is at 1800 Main Street, room 2024.")
    assert attribute_found("email", "Write to payroll-team@example.org with the form.")
    assert not attribute_found("email", "Write to the payroll team with the form.")
    assert attribute_found("link", "Ask in #video or see https://video.example.gov.")
    assert not attribute_found("link", "Ask the video team.")
