"""Names: codes and versions are names a sentence commits to, not numbers."""

from __future__ import annotations

from evals.judges.facts import facts_of
from evals.judges.facts.compare import missing_entities
from evals.judges.facts.extract import extract_facts


def test_versions_and_codes_are_names_not_numbers() -> None:
    facts = extract_facts("Firmware 3.8.2 fixes E-214 on the Stacker S6-C.")
    assert facts.quantities == ()
    assert {"3.8.2", "e-214", "s6-c", "stacker"} <= set(facts.entities)


def test_a_number_fused_with_capitals_is_a_code() -> None:
    facts = extract_facts("Teams at 18F use 2FA on 10GB drives.")
    assert {"18f", "2fa"} <= set(facts.entities)
    assert [q.value for q in facts.quantities] == [10.0]


def test_an_acronym_and_its_spelled_out_name_are_one_name() -> None:
    spelled = extract_facts("The Office of Acquisition replies within a day.")
    short = extract_facts("OA replies within a day.")
    assert missing_entities(spelled, short) == []
    assert missing_entities(short, spelled) == []
    assert missing_entities(short, extract_facts("The Office of Budget replies within a day.")) == [
        "oa"
    ]


def test_one_after_the_is_a_pronoun_unless_a_unit_follows() -> None:
    assert extract_facts("The badge is the one used for the garage.").quantities == ()
    assert [q.value for q in extract_facts("It is the one day we close.").quantities] == [1.0]
    assert [q.value for q in extract_facts("How much is the one-time stipend?").quantities] == [1.0]


def test_a_time_zone_after_a_clock_time_is_one_name_however_written() -> None:
    assert missing_entities(
        extract_facts("Submit it by 5 PM Pacific."), extract_facts("Submit it by 17:00 ET.")
    ) == ["pt"]


def test_a_capital_after_an_opening_quote_bracket_or_emphasis_starts_a_sentence() -> None:
    for text in (
        "“Ask first,” she said.",
        "(See the form.)",
        "_Submit_ the form.",
        "He said “go.” Then he left.",
    ):
        assert facts_of(text).entities == (), text
    # Inside a sentence a capitalised word is still a name, quoted or not.
    assert facts_of("Post it in “Slack” today.").entities == ("slack",)
