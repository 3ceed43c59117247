"""Reading a question: the asked attribute and the qualifiers an answer must be about."""

from evals.judges.attributes import asked_attribute, attribute_found
from evals.judges.questions import qualifiers


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


def test_there_pointing_back_makes_the_context_names_qualifiers() -> None:
    words = dict(qualifiers("Our partners use Trello. Does it cost anything to add guests there?"))
    assert words.get("trello") is True
    # Context alone is still not required, nor is an "is there" question pointing anywhere.
    assert "germany" not in dict(qualifiers("I'm in Germany next week. What is the per diem?"))
    assert "denver" not in dict(qualifiers("I work in Denver. Is there a bike room?"))


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


def test_a_deadline_noun_names_the_asked_date_not_a_qualifier() -> None:
    words = dict(qualifiers("What was the cutoff for filing the renewal form?"))
    assert "cutoff" not in words and "renewal" in words


def test_the_nouns_of_an_asked_contact_detail_are_not_qualifiers() -> None:
    words = dict(qualifiers("What's the phone number for the mailroom?"))
    assert "phone" not in words and "number" not in words and "mailroom" in words
    # Only the asked kind's nouns: the website team is what the phone number is for.
    words = dict(qualifiers("What's the phone number for the website team?"))
    assert "number" not in words and "website" in words
    # "The name of" asks a name; the phone system it names is still a qualifier.
    words = dict(qualifiers("What's the name of the phone system staff use?"))
    assert "name" not in words and "phone" in words


def test_now_qualifies_nothing() -> None:
    # "Now what?" is no name for the passages to hold, capitalised or not.
    assert qualifiers("I pushed a password to GitHub. Now what?") == []
    assert qualifiers("Is the office open now?") == [("office", False), ("open", False)]
