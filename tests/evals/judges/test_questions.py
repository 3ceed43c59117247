"""Reading a question: the asked attribute and the qualifiers an answer must be about."""

import pytest

from evals.judges.questions import asked_attribute, attribute_found, qualifiers


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
    ],
)
def test_the_asked_attribute_is_read_from_the_question(question: str, kind: str) -> None:
    assert asked_attribute(question) == kind


def test_qualifiers_leave_out_framing_and_the_asked_unit() -> None:
    words = dict(qualifiers("How many days of military leave do I get per year?"))
    assert {"military", "leave"} <= set(words)
    assert "days" not in words and "get" not in words and "how" not in words


def test_prepositions_of_place_and_comparison_frame_the_question() -> None:
    words = dict(
        qualifiers("How far ahead of my term's end does HR start the renewal, rather than after?")
    )
    assert "ahead" not in words and "rather" not in words
    assert {"term", "renewal"} <= set(words)
    assert "outside" not in dict(qualifiers("Can I change my dental plan outside of open season?"))


def test_a_gerund_after_from_or_before_is_an_action_not_a_qualifier() -> None:
    words = dict(qualifiers("How many old passwords am I blocked from reusing?"))
    assert "reusing" not in words and "passwords" in words
    assert "interviewing" not in dict(qualifiers("Before interviewing a candidate, may I call?"))
    # After "for" an -ing word is as often a noun: it stays.
    assert "training" in dict(qualifiers("What is the budget for training?"))


def test_the_subject_after_an_inverted_auxiliary_is_a_qualifier() -> None:
    # In a question the auxiliary comes first and the subject after it: it is not a verb.
    assert "contractors" in dict(qualifiers("How many weeks of parental leave do contractors get?"))
    assert "domestic" in dict(qualifiers("How many days ahead must domestic trips be approved?"))
    # After a pronoun the verb follows, and is left out as before.
    assert "expire" not in dict(qualifiers("When do they expire?"))


def test_the_adjective_of_how_big_is_the_attribute_not_a_qualifier() -> None:
    words = dict(qualifiers("How big is the first rollout stage?"))
    assert "big" not in words and {"rollout", "stage"} <= set(words)


def test_the_unit_a_date_question_asks_for_is_not_a_qualifier() -> None:
    question = "Which day of the week is onboarding held in the San Francisco office?"
    assert asked_attribute(question) == "date"
    words = dict(qualifiers(question))
    assert "day" not in words and "week" not in words and "onboarding" in words
    assert "year" not in dict(qualifiers("In what year did the office open?"))
    assert "hours" not in dict(qualifiers("What hours is the help desk open?"))
    # A unit that qualifies rather than asks stays: leave per year is not leave per month.
    assert "year" in dict(qualifiers("How many days of military leave do I get per year?"))


def test_a_participle_that_ends_its_clause_is_a_verb() -> None:
    words = dict(qualifiers("On what day does the balance of my transit card get reloaded?"))
    assert "reloaded" not in words and {"balance", "transit", "card"} <= set(words)
    assert "held" not in dict(qualifiers("Where is the all-hands held?"))
    # Before its noun a participle qualifies it: advanced leave is not any leave.
    assert "advanced" in dict(qualifiers("How much advanced sick leave can I request?"))
    assert "speed" in dict(qualifiers("What is the top speed?"))


def test_who_before_an_auxiliary_is_the_subject() -> None:
    words = dict(qualifiers("Who can put in the paperwork for building access?"))
    assert "put" not in words and {"paperwork", "building", "access"} <= set(words)


def test_a_bare_year_answers_a_date_question() -> None:
    assert attribute_found("date", "The office got its authority in 2016.")
    assert not attribute_found("date", "The office has 250 staff.")


def test_the_word_before_a_closing_particle_is_a_verb() -> None:
    words = dict(qualifiers("On what date did release 3.8 of the app come out?"))
    assert "come" not in words and "release" in words and "date" not in words
    assert "sign" not in dict(qualifiers("Where do new hires sign up?"))


def test_a_word_with_an_object_after_it_is_a_verb() -> None:
    words = dict(qualifiers("How often does the office review who is holding a paid seat?"))
    assert "holding" not in words and {"paid", "seat"} <= set(words)
    words = dict(qualifiers("How far ahead does payroll start the renewal process?"))
    assert "start" not in words and {"payroll", "renewal", "process"} <= set(words)
    # Without an object the word stays: "the budget for training" is about training.
    assert "training" in dict(qualifiers("Is there a budget for training?"))


def test_the_extreme_of_a_measure_is_the_attribute_not_a_qualifier() -> None:
    question = "What is the largest gap allowed under the straightedge?"
    assert asked_attribute(question) == "amount"
    words = dict(qualifiers(question))
    assert "largest" not in words and {"gap", "straightedge"} <= set(words)
    assert "earliest" not in dict(qualifiers("What is the earliest I can retire?"))


def test_the_frame_of_a_procedure_or_a_frequency_is_not_a_qualifier() -> None:
    words = dict(qualifiers("What's the simplest way to move a file onto my virtual desktop?"))
    assert "simplest" not in words and "way" not in words and {"file", "desktop"} <= set(words)
    assert "year" not in dict(qualifiers("How many times a year do the surveys go out?"))
    assert "day" not in dict(qualifiers("From what time of day is the room open?"))


def test_a_relative_clause_opens_on_its_verb_and_a_split_prefix_is_no_word() -> None:
    words = dict(qualifiers("How do I fix the location tag that shows after my name?"))
    assert "shows" not in words and {"location", "tag"} <= set(words)
    assert "re" not in dict(qualifiers("How long before the team must be re-staffed?"))
    assert dict(qualifiers("Is the clinic at 50 UN Plaza open today?"))["un"]  # a name stays


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


def test_there_pointing_back_makes_the_context_names_qualifiers() -> None:
    words = dict(qualifiers("Our partners use Trello. Does it cost anything to add guests there?"))
    assert words.get("trello") is True
    # Context alone is still not required, nor is an "is there" question pointing anywhere.
    assert "germany" not in dict(qualifiers("I'm in Germany next week. What is the per diem?"))
    assert "denver" not in dict(qualifiers("I work in Denver. Is there a bike room?"))


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


def test_the_period_of_a_rate_must_be_stated() -> None:
    words = dict(qualifiers("How many hours can one employee donate per year?"))
    assert words["year"] is True  # required as written: a number over another period is no answer
    assert "hours" not in words  # the asked unit
    # "A second driver" is no period, and "how many times a year" asks the frequency's unit.
    assert dict(qualifiers("Does adding a second driver cost extra?"))["second"] is False
    assert "year" not in dict(qualifiers("How many times a year do the surveys go out?"))
    assert "days" not in dict(qualifiers("For how many working days may I work abroad?"))


def test_money_and_periods_said_in_words_and_what_is_no_price() -> None:
    assert attribute_found("price", "The fare is 20 dollars.")
    assert attribute_found("duration", "You may stay up to 5 nights.")
    assert attribute_found("date", "The desk opens at 08:00.")
    # Paid leave is leave, and pounds may weigh; "how many dollars" asks money.
    assert asked_attribute("How much paid leave do I get?") == "amount"
    assert asked_attribute("How many dollars can I contribute?") == "price"
    # "A minute late" says when: only where a number is asked is "a <period>" a rate.
    assert dict(qualifiers("What happens if I am a minute late?"))["minute"] is False
    assert dict(qualifiers("How many hours can I donate a year?"))["year"] is True
