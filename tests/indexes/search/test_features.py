"""Exact-answer features: identifiers a question names, look-alikes, headings, asking passages."""

from __future__ import annotations

from indexes.search.features import (
    distinctive_identifiers,
    feature_score,
    features,
    identifiers,
    lookalike,
    names,
)

QUESTION = "What does error E-214 mean on my S6?"
REFERENCE = "Error Code Reference"


def test_identifiers_are_codes_not_amounts_or_years() -> None:
    assert identifiers(
        "Is SF-182 or form 4.1 needed for E-214, S9 and QM-LW-06 in 2024 for $65?"
    ) == [
        "sf-182",
        "4.1",
        "e-214",
        "s9",
        "qm-lw-06",
    ]
    assert identifiers("How many days of leave do I get?") == []


def test_an_identifier_is_matched_as_a_whole_token() -> None:
    assert names("see E-214 Lidar occlusion", "e-214")
    assert names("(e-214).", "e-214")
    assert not names("E-2140 is another code", "e-214")
    assert not names("XE-214 is another code", "e-214")
    assert not names("the Stacker S6-C", "s6")


def test_a_neighbouring_code_is_a_lookalike() -> None:
    assert lookalike("E-305 Fork encoder mismatch", ["e-214"])
    assert not lookalike("E-214 Lidar occlusion", ["e-214"])
    assert not lookalike("Cleaning the lidar windows", ["e-214"])


def test_the_section_headed_by_the_code_scores_above_its_lookalikes() -> None:
    section = f"{REFERENCE} > Perception (E-2xx) > E-214 Lidar occlusion"
    own = features(QUESTION, REFERENCE, section, "Severity: Stop.")
    assert own["ident_leads"] == own["ident_heading"] == 0.5  # E-214 yes, S6 no
    assert own["no_lookalike"] == 1.0
    neighbour = f"{REFERENCE} > Perception (E-2xx) > E-219 Lidar calibration drift"
    faq = "Line 1: My Stacker S6 shows E-214. What should I do?"
    scores = {
        "own": feature_score(QUESTION, REFERENCE, section, "Severity: Stop."),
        "neighbour": feature_score(QUESTION, REFERENCE, neighbour, "Severity: Service."),
        "faq": feature_score(QUESTION, "support-faq", faq, "E-214 is a lidar occlusion."),
    }
    assert scores["own"] > scores["faq"] > scores["neighbour"]


def test_a_passage_of_questions_does_not_count_as_answering() -> None:
    asking = features("leave", "FAQ", "", "How much leave?\nWho approves it?")
    answering = features("leave", "FAQ", "", "Ten days.\nYour manager approves it.")
    assert (asking["answers"], answering["answers"]) == (0.0, 1.0)


def test_an_identifier_heading_many_candidates_is_not_distinctive() -> None:
    # "9Z" names the whole corpus (12 of 30 headings); "E-214" heads two sections.
    headings = [f"9Z handbook > Topic {n}" for n in range(12)]
    headings += ["Error codes > E-214 Lidar occlusion", "FAQ > E-214 and E-219"]
    headings += [f"Other > Topic {n}" for n in range(16)]
    assert distinctive_identifiers("Does 9Z say what E-214 means?", headings) == ["e-214"]
    # Three headings of thirty are still a few; four are not.
    few = headings[:3] + headings[12:] + [f"More > Topic {n}" for n in range(9)]
    assert distinctive_identifiers("9Z?", few) == ["9z"]
    assert distinctive_identifiers("9Z?", headings[:4] + few[4:]) == []
    # A short list keeps an identifier that two of its headings name.
    assert distinctive_identifiers("E-214?", headings[12:14]) == ["e-214"]


def test_features_read_only_the_identifiers_passed() -> None:
    section = "9Z handbook > Leave"
    every = features("How much leave does 9Z give?", "9Z handbook", section, "Ten days.")
    chosen = features("How much leave does 9Z give?", "9Z handbook", section, "Ten days.", [])
    assert every["ident_heading"] == 1.0
    assert chosen["ident_heading"] == chosen["ident_text"] == 0.0
