"""Coverage: which of the question's terms the retrieved passages never mention."""

from __future__ import annotations

import pytest

from agent.coverage import MAX_MISSING_SHARE, coverage, is_identifier
from indexes.search.results import SearchResult
from tools.rag import Source

S6 = (
    "The Stacker S6 can carry a payload of up to 1,200 kg. Its drive wheels are replaced when "
    "the tread depth falls below 4 mm."
)


def source(n: int, text: str, *, title: str = "Manual", section: str = "") -> Source:
    result = SearchResult(n, 0.1, f"c{n}", "d", "manual.md", title, section, None, 0, 0, text)
    return Source(n, 0.6, result)


def test_a_question_about_what_the_passages_say_is_covered() -> None:
    found = coverage("What payload can the Stacker S6 carry?", [source(1, S6)])
    assert found.covered
    assert found.missing == () and found.missing_identifiers == ()
    assert found.terms == ("payload", "Stacker", "S6", "carry")


def test_question_framing_and_verbs_are_not_required_of_a_passage() -> None:
    # "exactly", "makes" and "raise" frame the question; the passage need not repeat them.
    code = source(1, "E-214 Lidar occlusion: more than 15% of the scan points were blocked.")
    found = coverage("What exactly makes a Stacker raise E-214?", [code, source(2, S6)])
    assert found.terms == ("Stacker", "E-214")
    assert found.covered and found.missing == ()
    # An identifier stays a term whatever the question's grammar makes of it.
    found = coverage("What percentage does the company match on 401(k) plans?", [code])
    assert "401" in found.missing_identifiers and not found.covered


def test_a_model_number_no_passage_mentions_is_not_covered() -> None:
    found = coverage("What payload can the Stacker S9 carry?", [source(1, S6)])
    assert not found.covered
    assert found.missing == ("S9",) and found.missing_identifiers == ("S9",)
    assert found.describe() == "no source mentions S9"


def test_error_codes_years_and_acronyms_are_identifiers() -> None:
    found = coverage("Does the ERP export E-999 codes since 2023?", [source(1, S6)])
    assert set(found.missing_identifiers) == {"ERP", "E-999", "2023"}
    for term in ("S6", "E-214", "2023", "ERP", "RMA"):
        assert is_identifier(term)
    for term in ("HR", "FAQ", "API", "Stacker", "payload", "Ok"):
        assert not is_identifier(term)


def test_most_content_words_missing_is_not_covered() -> None:
    question = "What is our quarterly revenue target for European distributors?"
    found = coverage(question, [source(1, S6)])
    assert found.missing_identifiers == ()
    assert len(found.missing) / len(found.terms) > MAX_MISSING_SHARE
    assert not found.covered
    assert found.describe().startswith("no source mentions quarterly, revenue")


def test_some_missing_words_are_tolerated() -> None:
    # "maximum" and "weight" are paraphrases the passage does not use; 2 of 5 is fine.
    found = coverage("Maximum payload weight of the Stacker S6?", [source(1, S6)])
    assert set(found.missing) == {"Maximum", "weight"}
    assert found.covered


def test_plurals_titles_and_sections_count_as_mentions() -> None:
    passage = source(2, "Replace them every 500 hours.", title="Stacker S6", section="Wheels")
    found = coverage("How often are Stacker wheels replaced?", [passage])
    assert "wheels" not in {m.lower() for m in found.missing}  # from the section
    assert "Stacker" not in found.missing  # from the title
    assert coverage("Which robot?", [source(1, "Robots are serviced yearly.")]).missing == ()


def test_identifiers_are_found_in_any_source() -> None:
    other = source(2, "Error E-214 means the lidar window is dirty.")
    found = coverage("What does E-214 mean on an S6?", [source(1, S6), other])
    assert found.missing_identifiers == ()


@pytest.mark.parametrize("question", ["What is it?", "How?", ""])
def test_a_question_without_content_words_is_covered(question: str) -> None:
    found = coverage(question, [])
    assert found.terms == () and found.covered


def test_the_name_the_whole_corpus_is_about_is_not_a_content_word() -> None:
    # An invented company: the name is in the passage, the thing asked about is not.
    passage = "Ardent Lumen reimburses the cost of a monthly bus pass for every employee."
    question = "Does Ardent Lumen reimburse gym memberships?"
    plain = coverage(question, [source(1, passage)])
    assert plain.covered  # "Ardent" and "Lumen" found make it look covered

    asked: list[str] = []

    def corpus_name(term: str) -> bool:
        asked.append(term)
        return term in {"Ardent", "Lumen"}

    found = coverage(question, [source(1, passage)], corpus_name)
    assert found.terms == ("reimburse", "gym", "memberships")
    assert not found.covered
    # Only capitalised words that are not identifiers are looked up in the corpus.
    assert asked == ["Ardent", "Lumen"]


def test_a_hyphenated_word_mentions_its_parts() -> None:
    passage = source(1, "Travel resumed under the COVID-19 guidance of July 2021.")
    found = coverage("Could I travel under the COVID guidance?", [passage])
    assert found.missing_identifiers == () and found.covered
    # The parts count, not any prefix: a passage naming COVID-19 does not mention COV.
    assert coverage("Is COV-2 covered?", [passage]).missing_identifiers == ("COV-2",)


def test_only_the_asking_sentence_must_be_covered() -> None:
    # The context before the question ("driving to 1800 F") is the asker's situation, as the
    # answerability check reads it; the identifier of the question proper still counts.
    passage = source(1, "Ask Tenant Support 2-3 business days ahead to reserve a parking spot.")
    found = coverage(
        "A visitor is driving to 1800 F for a meeting. How much notice does Tenant Support "
        "like for a parking spot?",
        [passage],
    )
    assert found.missing_identifiers == () and found.covered
    found = coverage("How much notice does Tenant Support like for spot 1800?", [passage])
    assert found.missing_identifiers == ("1800",) and not found.covered


def test_one_or_two_words_worded_otherwise_are_left_to_an_abstaining_check() -> None:
    passage = source(1, "Passwords: use at least 14 characters and never reuse one.")
    found = coverage("What is the minimum password length?", [passage], abstaining=True)
    assert set(found.missing) == {"minimum", "length"} and found.covered
    # When the answerability check only reports, this is the last gate: 2 of 3 is too many.
    assert not coverage("What is the minimum password length?", [passage]).covered
    # Three or more missing, and most of the question: the passages are about something else.
    question = "What is the minimum password rotation interval for kiosks?"
    found = coverage(question, [passage], abstaining=True)
    assert len(found.missing) >= 3 and not found.covered


def test_a_number_held_by_a_band_of_a_passage_is_covered() -> None:
    allowance = source(
        1,
        "| Years of service | Vacation days |\n|---|---|\n| Less than 3 years | 20 days |\n"
        "| 3 to less than 6 years | 23 days |\n| 6 years or more | 26 days |",
    )
    found = coverage("How many vacation days do I get after 10 years of service?", [allowance])
    assert found.covered and found.missing == ()
    found = coverage("How many vacation days do I get for 12-year service?", [allowance])
    assert found.covered and found.missing == ()
    # A number no band holds is still missing, as any identifier.
    speeds = source(2, "Stopping distance at 2.0 m/s: 1.35 m. At 1.0 m/s: 0.45 m.")
    found = coverage("What is the stopping distance at 12 m/s?", [speeds])
    assert found.missing_identifiers == ("12",) and not found.covered


def test_the_asked_identifiers_a_source_names_are_reported() -> None:
    glossary = "OTCRM is the Salesforce-based CRM where Ardent tracks its opportunities."
    found = coverage("What's OTCRM at ARDENT?", [source(1, glossary)], lambda t: t == "ARDENT")
    # The corpus's own name is no evidence that a passage is about what was asked.
    assert found.named == ("OTCRM",) and found.names_what_is_asked
    missing = coverage("What's OTCRM or XYZQ?", [source(1, glossary)])
    assert missing.named == ("OTCRM",) and not missing.names_what_is_asked
    assert coverage("What payload can the Stacker carry?", [source(1, S6)]).named == ()
    # A number many passages mention says nothing of what they are about.
    assert coverage("What changed in 2024?", [source(1, "Rates for 2024 rose.")]).named == ()
