"""Find personal data and secrets in curated training text, and mask them for reports.

An adapter memorises what it is trained on, so a card number or an API key in a Q&A pair can
later come out of the model verbatim. The detectors are regular expressions tuned for few false
positives on ordinary support text (part numbers, dates, versions, case numbers); card numbers
must also pass the Luhn check. Reports only ever carry ``mask()``-ed values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# The kinds a finding can have; the CLI and the report use these names.
EMAIL = "email"
PHONE = "phone"
CARD = "card_number"
NATIONAL_ID = "national_id"
API_KEY = "api_key"
PRIVATE_KEY = "private_key"
PASSWORD = "password"


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data or a secret found in a text (``value`` is the raw match)."""

    kind: str
    detail: str
    start: int
    end: int
    value: str

    @property
    def masked(self) -> str:
        """The value as it may appear in a report: never the whole secret."""
        return mask(self.kind, self.value)


@dataclass(frozen=True)
class _Detector:
    kind: str
    detail: str
    pattern: re.Pattern[str]


# Order matters: earlier detectors claim their span first, so a card number is not also
# reported as a phone number, and a key inside "api_key=..." is reported once, as a key.
_DETECTORS: tuple[_Detector, ...] = (
    _Detector(
        PRIVATE_KEY,
        "private key block",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
            re.DOTALL,
        ),
    ),
    _Detector(API_KEY, "AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    _Detector(
        API_KEY,
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    ),
    _Detector(
        API_KEY,
        "secret key (sk-...)",
        re.compile(r"(?<![\w-])sk(?:-|_live_|_test_)[A-Za-z0-9_-]{16,}"),
    ),
    _Detector(API_KEY, "Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    _Detector(API_KEY, "Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    _Detector(
        API_KEY,
        "JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    # "password=hunter2", "api_key: 'x9...'" — with "=" any value counts; with ":" the value
    # must contain a digit or a symbol, so prose such as "Password: use a long one" passes.
    _Detector(
        PASSWORD,
        "credential assignment",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|passphrase|secret|client_secret|api[_-]?key"
            r"|access[_-]?token|auth[_-]?token)\b"
            r"(?:\s*=\s*['\"]?[^\s'\",;]{4,}"
            r"|\s*:\s*['\"]?(?=[^\s'\",;]*[\d!@#$%^&*_+=~/\\-])[^\s'\",;]{6,})"
        ),
    ),
    _Detector(
        EMAIL,
        "email address",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    ),
    # Card numbers as they are written: one run of digits, or groups of four (Amex: 4-6-5)
    # with one kind of separator; reference numbers such as 202208-3090-003 do not qualify.
    _Detector(
        CARD,
        "payment card number",
        re.compile(
            r"(?<![\d-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?"
            r"|\d{4}([ -])\d{6}\2\d{4,5})(?![\d-])"
        ),
    ),
    _Detector(
        NATIONAL_ID,
        "US social security number",
        re.compile(
            r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])"
            r"|(?i:\bssn\b)\D{0,12}\d{9}\b"
        ),
    ),
    _Detector(
        NATIONAL_ID,
        "UK national insurance number",
        re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
    ),
    _Detector(
        PHONE,
        "phone number",
        re.compile(
            r"(?<![\w.+-])(?<!\d )(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])"
            r"\d{3,4}[\s.-]\d{3,4}(?![\w-]|\s\d)"
        ),
    ),
)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (0-9 only) passes the Luhn checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _accept(kind: str, value: str) -> bool:
    """Checks a regular expression cannot express (checksums, digit counts)."""
    digits = re.sub(r"\D", "", value)
    if kind == CARD:
        return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_valid(digits)
    if kind == PHONE:
        # Ten digits (a North American number) or an international "+" number of eight or
        # more; shorter digit groups are too often quantities, codes or dates.
        return len(digits) >= 10 or (value.startswith("+") and len(digits) >= 8)
    return True


def find_pii(text: str) -> list[PiiMatch]:
    """Every piece of personal data or secret in ``text``, in order, without overlaps."""
    claimed: list[tuple[int, int]] = []
    found: list[PiiMatch] = []
    for det in _DETECTORS:
        for m in det.pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in claimed):
                continue
            value = m.group(0)
            if not _accept(det.kind, value):
                continue
            claimed.append((start, end))
            found.append(PiiMatch(det.kind, det.detail, start, end, value))
    return sorted(found, key=lambda f: f.start)


def mask(kind: str, value: str) -> str:
    """A recognisable but harmless stand-in for a found value (length and a hint, no secret)."""
    if kind == EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind in (CARD, PHONE, NATIONAL_ID):
        digits = re.sub(r"\D", "", value)
        keep = 4 if kind == CARD else 2
        return f"{'*' * (len(digits) - keep)}{digits[-keep:]} ({len(digits)} digits)"
    if kind == PRIVATE_KEY:
        header = value.split("-----")[1] if value.count("-----") >= 2 else "PRIVATE KEY"
        return f"-----{header}----- ... ({len(value)} chars)"
    if kind == PASSWORD:
        name = re.split(r"\s*[=:]", value, maxsplit=1)[0]
        return f"{name}=*** ({len(value)} chars)"
    # API keys: the vendor prefix identifies the kind of key; nothing after it is shown.
    return f"{value[:4]}*** ({len(value)} chars)"


def redact(text: str) -> str:
    """``text`` with every finding replaced by its mask (for echoing record text in reports)."""
    return _replace(text, find_pii(text), lambda f: f"[{f.kind}: {f.masked}]")


def _replace(text: str, found: list[PiiMatch], mask: Callable[[PiiMatch], str]) -> str:
    out: list[str] = []
    pos = 0
    for f in found:
        out.append(text[pos : f.start])
        out.append(mask(f))
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def mask_pii(text: str) -> tuple[str, int]:
    """``text`` with each finding replaced by its kind in brackets ("[email]"), and how many.

    For document text laid into training items: the passage keeps its wording, and no address,
    number or key reaches adapter weights.
    """
    found = find_pii(text)
    return _replace(text, found, lambda f: f"[{f.kind}]"), len(found)


def iter_pii(fields: dict[str, str]) -> Iterator[tuple[str, PiiMatch]]:
    """(field name, finding) for each finding in a record's text fields, fields in order."""
    for name, text in fields.items():
        for found in find_pii(text):
            yield name, found
