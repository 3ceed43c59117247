"""Quantities restated in other words are the same fact; changed ones are still caught."""

from __future__ import annotations

import pytest

from evals.judges.facts import facts_of
from evals.judges.facts.compare import missing_dates, missing_entities, missing_quantities
from evals.judges.facts.restate import restate_quantities


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("The company matches dollar for dollar.", "The company matches 100% of what you put in."),
        ("The board meets twice a year.", "The board meets two times a year."),
        ("Output rose 2x.", "Output rose two times."),
        ("You have one week to reply.", "You have 7 days to reply."),
        ("It takes two business weeks.", "It takes 10 business days."),
        ("Leave lasts 12 months.", "Leave lasts one year."),
        ("Staff are paid biweekly.", "Staff are paid every two weeks."),
        ("The form is due three days before.", "The form is due 72 hours before."),
        ("Breaks total half an hour.", "Breaks total 30 minutes."),
        ("Audits happen twice a year.", "Audits happen every 6 months."),
        ("Backups run every 8 hours.", "Backups run three times a day."),
        ("The course takes an hour and a half.", "The course takes 90 minutes."),
        ("The pilot ran for two and a half years.", "The pilot ran for 30 months."),
        ("Half of the bonus is paid in March.", "50% of the bonus is paid in March."),
        ("A quarter of the budget goes to training.", "25% of the budget goes to training."),
        ("The desk opens at 9 a.m. on weekdays.", "The desk opens at 09:00 on weekdays."),
        ("The desk closes at 5:30 pm.", "The desk closes at 17:30."),
        ("The cap is two 40-hour weeks of leave.", "The cap is 80 hours of leave."),
        ("Each shift has half an hour of breaks.", "Each shift has two 15-minute breaks."),
        ("Volunteering gets half of an 8-hour workday.", "Volunteering gets 4 hours."),
        ("Staff work 80 hours per pay period.", "Staff work 8 hours every day, 10 days a period."),
        ("Bereavement leave is ten workdays.", "Bereavement leave is two weeks."),
        ("The help desk opens at noon.", "The help desk opens at 12 pm."),
        ("The stipend is $1.5k.", "The stipend is $1,500."),
        ("The fee is twenty-five dollars.", "The fee is $25."),
        ("Submit it by 5 PM Eastern.", "Submit it by 17:00 ET."),
        ("Submit it by 17:00 Eastern Time.", "Submit it by 5pm EST."),
        ("The desk is staffed for 15 hours.", "The desk is staffed 6am-9pm."),
        ("The line is open 9 hours.", "The line is open from 8:00 to 17:00."),
        # Once a period, said with "every" or "each", and a frequency before a duration.
        ("The panel meets for 60 minutes every week.", "The panel meets weekly for an hour."),
        ("The quiz runs twelve times a year.", "The quiz runs on the first Monday of each month."),
        ("Each week, a chapter gets four hours of admin time.", "Chapters get 4 hours per week."),
        # A sum of money per period, in another period.
        (
            "Anything over $6,000 a year needs sign-off.",
            "Anything over $500 per month needs sign-off.",
        ),
        ("A ticket is good for an hour and a half.", "A ticket is good for 90 minutes."),
        ("A chat lasts a third of an hour.", "A chat lasts 20 minutes."),
        ("The grant is a two\u2011year programme.", "The grant is a 24-month programme."),
        # "One" and "once" that count nothing: a pronoun and a conjunction.
        (
            "After the first one at 30 days, reviews are quarterly.",
            "Reviews come 30 days in, then quarterly.",
        ),
        ("The scan stops once it finds a match.", "The scan stops at the first match."),
        ("The goal is for every single member to vote.", "The goal is for all members to vote."),
        # A range's first number has the second's unit; a fraction of a scale is a number.
        ("Approvals take between 14 and 21 days.", "Approvals take 2-3 weeks."),
        ("A review takes half a year to eight months.", "A review takes 6-8 months."),
        ("The threshold is a quarter of a million dollars.", "The threshold is $250,000."),
        ("She has a quarter of a century of service.", "She has 25 years of service."),
        ("The course takes an hour and a quarter.", "The course takes 75 minutes."),
        # A frequency said as an adjective before its noun.
        ("Audits happen four times a year.", "We perform quarterly audits."),
        ("Staff recertify every year.", "Staff complete annual recertification."),
        # Numbers said in words with their scales, and fractions with a hyphen.
        (
            "The cap was one hundred ninety-one thousand nine hundred dollars.",
            "The cap was $191,900.",
        ),
        ("Up to two hundred and fifty staff attend.", "Up to 250 staff attend."),
        ("The grant reaches a thousand schools.", "The grant reaches 1,000 schools."),
        ("Deploy time was reduced by four-fifths.", "Deploy time was reduced by 80%."),
        ("Travel days pay three-quarters of the rate.", "Travel days pay 75% of the rate."),
        ("Overruns may not exceed one-fifth.", "Overruns may not exceed 20%."),
        ("Three fifths of staff are remote.", "60% of staff are remote."),
    ],
)
def test_a_restated_quantity_is_in_the_evidence(claim: str, evidence: str) -> None:
    c, e = facts_of(claim), facts_of(evidence)
    assert missing_quantities(c, e) == []
    assert missing_entities(c, e) == []


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("You have two weeks to reply.", "You have 7 days to reply."),
        ("Leave lasts 18 months.", "Leave lasts one year."),
        ("The company matches 50% of what you put in.", "The company matches dollar for dollar."),
        ("The form is due two days before.", "The form is due 72 hours before."),
        ("Audits happen three times a year.", "Audits happen every 6 months."),
        ("The course takes an hour and a half.", "The course takes 60 minutes."),
        ("A quarter of the budget goes to training.", "50% of the budget goes to training."),
        ("The desk opens at 9 p.m.", "The desk opens at 09:00."),
        ("The cap is three 40-hour weeks of leave.", "The cap is 80 hours of leave."),
        ("Staff work 90 hours per pay period.", "Staff work 8 hours every day, 10 days a period."),
        # A range is not a product: "3-5 days" says nothing of 15 days.
        ("Refunds take 15 business days.", "Refunds take 3-5 business days."),
        ("The help desk opens at noon.", "The help desk opens at 11 am."),
        ("The stipend is $2k.", "The stipend is $1,500."),
        ("The fee is twenty-five dollars.", "The fee is $20."),
        ("The desk is staffed for 12 hours.", "The desk is staffed 6am-9pm."),
        ("The panel meets every month.", "The panel meets weekly for an hour."),
        (
            "Anything over $6,000 a month needs sign-off.",
            "Anything over $500 per month needs sign-off.",
        ),
        (
            "Anything over $5,000 a year needs sign-off.",
            "Anything over $500 per month needs sign-off.",
        ),
        ("A chat lasts a third of an hour.", "A chat lasts 30 minutes."),
        ("You may bring a single guest.", "You may bring two guests."),
        ("Approvals take between 14 and 28 days.", "Approvals take 2-3 weeks."),
        ("The threshold is a quarter of a million dollars.", "The threshold is $25,000."),
        ("Audits happen twice a year.", "We perform quarterly audits."),
        ("The cap was one hundred ninety thousand nine hundred dollars.", "The cap was $191,900."),
        ("Deploy time was reduced by three-fifths.", "Deploy time was reduced by 80%."),
        ("Travel days pay three-quarters of the rate.", "Travel days pay 70% of the rate."),
    ],
)
def test_a_changed_quantity_is_still_missing(claim: str, evidence: str) -> None:
    assert missing_quantities(facts_of(claim), facts_of(evidence))


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("The stipend is fifteen hundred dollars.", "The stipend is $1,500."),
        ("You may hold two dozen credit hours.", "You may hold up to 24 credit hours."),
        ("The fare is two dollars and fifteen cents.", "The fare is $2.15."),
        ("The team grew tenfold.", "The team grew 10x."),
        ("It avoids nine out of ten issues.", "It avoids 90% of issues."),
        ("The plan started in fiscal year 2022.", "The plan started in FY22."),
        ("Supervisors meet every three months.", "Supervisors meet quarterly."),
        ("Supervisors meet four times a year.", "Supervisors meet quarterly."),
        ("Certificates are renewed once a year.", "Certificates are renewed annually."),
        ("Reply within a day.", "Reply within 24 hours."),
        ("Give people at least a full business week.", "Give people at least 5 business days."),
        ("The office closes at half past six in the evening.", "The office closes at 6:30 p.m."),
        ("Arrive between 7 and 10 in the morning.", "Arrive between 7 AM and 10 AM."),
        ("The garage is open until 12 midnight.", "The garage is open until midnight."),
        ("The ride takes a quarter of an hour.", "The ride takes 15 minutes."),
        ("It ran for four and a half decades.", "It ran for 45 years."),
        ("It grew over the following year and a half.", "It grew over the following 18 months."),
        ("The fee is one tenth of the contract.", "The fee is 10% of the contract."),
        ("Guests use at most a third of their time.", "Guests use at most 1/3 of their time."),
        ("The program starts on the first of June.", "The program starts on June 1."),
        ("The new date is June 15, 2023.", "The new date is 6/15/23."),
        ("The garage is open Monday through Friday.", "The garage is open M–F."),
    ],
)
def test_a_quantity_said_in_words_is_in_the_evidence(claim: str, evidence: str) -> None:
    c, e = facts_of(claim), facts_of(evidence)
    assert missing_quantities(c, e) == []
    assert missing_dates(c, e) == []
    assert missing_entities(c, e) == []


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("The stipend is twelve hundred dollars.", "The stipend is $1,500."),
        ("It avoids eight out of ten issues.", "It avoids 90% of issues."),
        ("The plan started in fiscal year 2023.", "The plan started in FY22."),
        ("Supervisors meet every two months.", "Supervisors meet quarterly."),
        ("Reply within a week.", "Reply within 24 hours."),
        ("The office closes at half past five in the evening.", "The office closes at 6:30 p.m."),
        ("The fee is one fifth of the contract.", "The fee is 10% of the contract."),
    ],
)
def test_a_changed_quantity_said_in_words_is_still_missing(claim: str, evidence: str) -> None:
    c, e = facts_of(claim), facts_of(evidence)
    assert missing_quantities(c, e) or missing_dates(c, e)


def test_a_rating_a_rate_and_a_kind_of_meeting_are_left_as_written() -> None:
    # "4.6 out of 5" is a rating, not 92%; "$500 annually" is a rate; "a weekly 1:1" a kind.
    rating = facts_of("Satisfaction was 4.6 out of 5 in the survey.")
    assert 4.6 in [q.value for q in rating.quantities]
    assert restate_quantities("We pay $500 annually.") == "We pay $500 per year."
    assert restate_quantities("She replaces a weekly 1:1.") == "She replaces a weekly 1:1."
    assert restate_quantities("Work 8 hours in a day.") == "Work 8 hours in a day."
    # A fraction is not a date; a month is capitalised ("you may first ask").
    assert not facts_of("Spend at most 1/3 of the time.").dates
    assert not facts_of("You may first ask your supervisor.").dates


def test_punctuation_before_a_period_word_is_read_without_error() -> None:
    # A lone comma before "every month" once reached the number parser as an empty token.
    assert facts_of("Rates , every month , are shared ; each week").quantities
    assert restate_quantities(", every month") == ", every 1 month"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # Number words that stand next to each other without making one number.
        ("Plan two three-hour sessions.", "three-hour"),
        ("Book twenty eight-hour shifts.", "eight-hour"),
        ("They won a thousand-dollar grant.", "a thousand-dollar"),
        ("Pick five and six.", "five and six"),
        # Two quarters alone are half a year, not a share.
        ("The pilot ran two quarters.", "two quarters"),
    ],
)
def test_words_that_make_no_one_number_stay_as_written(text: str, kept: str) -> None:
    assert kept in restate_quantities(text)
