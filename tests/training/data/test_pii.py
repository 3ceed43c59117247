"""PII and secret detection: each kind is found, nothing is echoed, look-alikes are left alone."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, SAMPLE_CORPUS
from training.data.pii import find_pii, luhn_valid, mask, redact

BAD = REPO / "tests" / "data" / "qa_bad"


def _fixture_answers() -> dict[str, str]:
    out = {}
    for line in (BAD / "pii.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        out[record["id"]] = record.get("answer") or record["messages"][-1]["content"]
    return out


@pytest.mark.parametrize(
    ("record", "kind", "secret"),
    [
        ("pii-email", "email", "dana.ortiz@harrow-finch.example"),
        ("pii-phone", "phone", "(614) 555-0199"),
        ("pii-card", "card_number", "4111 1111 1111 1111"),
        ("pii-ssn", "national_id", "123-45-6789"),
        ("pii-nino", "national_id", "AB 12 34 56 C"),
        ("pii-aws", "api_key", "AKIAIOSFODNN7EXAMPLE"),
        ("pii-sk", "api_key", "sk-proj-Xy12Ab34Cd56Ef78Gh90Ij12Kl34"),
        ("pii-ghp", "api_key", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
        ("pii-private-key", "private_key", "MIIEowIBAAKCAQEAq7BFUAkGfakefakefakefake0123456789"),
        ("pii-password", "password", "Quillmark2024!"),
        ("pii-chat", "phone", "+1 775 555 0123"),
    ],
)
def test_each_kind_is_found_and_its_mask_hides_the_value(
    record: str, kind: str, secret: str
) -> None:
    text = _fixture_answers()[record]
    found = find_pii(text)
    assert [f.kind for f in found] == [kind]
    assert secret in found[0].value
    assert secret not in found[0].masked
    assert secret not in redact(text) and f"[{kind}: " in redact(text)


def test_look_alikes_are_not_pii() -> None:
    # RMA and case numbers, serials, versions, ISO timestamps, part numbers, extensions, a
    # 16-digit number failing the Luhn check, and prose about passwords.
    assert find_pii(_fixture_answers()["clean-lookalikes"]) == []
    assert find_pii("Reference 202208-3090-003 was filed on 2024-09-12.") == []


def test_the_sample_corpus_contact_details_are_found_and_nothing_else() -> None:
    kinds: set[str] = set()
    for path in (SAMPLE_CORPUS / "public" / "faq").glob("*.md"):
        kinds |= {f.kind for f in find_pii(path.read_text(encoding="utf-8"))}
    assert kinds == {"email", "phone"}
    glossary = (SAMPLE_CORPUS / "public" / "style" / "glossary.md").read_text(encoding="utf-8")
    assert find_pii(glossary) == []


def test_card_numbers_need_a_valid_luhn_checksum() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert [f.kind for f in find_pii("card 5555-5555-5555-4444")] == ["card_number"]
    assert find_pii("card 5555-5555-5555-4445") == []


def test_masks_keep_only_a_hint() -> None:
    assert mask("card_number", "4111 1111 1111 1111") == "************1111 (16 digits)"
    assert mask("email", "dana@site.example") == "d***@site.example"
    assert mask("api_key", "AKIAIOSFODNN7EXAMPLE") == "AKIA*** (20 chars)"
    assert mask("password", "password=hunter22") == "password=*** (17 chars)"
