"""Calendar dates in text ("5 August 2024", "August 5, 2024", "2024-08-05"), compared as dates."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_RE = "|".join(sorted((m for m in MONTHS if len(m) > 3), key=len, reverse=True))
_MONTH_RE += "|may|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_DATE_DMY = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE
)
_DATE_MDY = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE
)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# US numeric dates: "6/15/21", "9/16/2024", and "9/16" when the day cannot be a month (a
# fraction such as "1/3" is not a date).
_DATE_US = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])")
# "the first of June", "June 1st", "June first": a day written as an ordinal.
_ORDINALS = {
    word: day
    for day, word in enumerate(
        """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
        thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
        twenty-first twenty-second twenty-third twenty-fourth twenty-fifth twenty-sixth
        twenty-seventh twenty-eighth twenty-ninth thirtieth thirty-first""".split(),
        start=1,
    )
}
_ORDINAL_RE = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_ORDINAL_OF = re.compile(rf"\b(?:the\s+)?({_ORDINAL_RE})\s+of\s+({_MONTH_RE})\b", re.IGNORECASE)
_MONTH_ORDINAL = re.compile(rf"\b({_MONTH_RE})\s+(?:the\s+)?({_ORDINAL_RE})\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateRef:
    """A calendar date; ``year`` is None when the text leaves it out ("31 March")."""

    year: int | None
    month: int
    day: int

    def matches(self, other: DateRef) -> bool:
        same_day = (self.month, self.day) == (other.month, other.day)
        return same_day and (self.year is None or other.year is None or self.year == other.year)

    def __str__(self) -> str:
        return f"{self.year or '----'}-{self.month:02d}-{self.day:02d}"


def replace_dates(text: str) -> tuple[list[DateRef], str]:
    """Replace each date by a placeholder token (``qdateN``) so it keeps its position."""
    found: list[DateRef] = []

    def take(match: re.Match[str], order: str) -> str:
        groups = match.groups()
        if order == "iso":
            year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
        elif order == "us":
            month, day = int(groups[0]), int(groups[1])
            if groups[2] is None and day <= 12:
                return match.group(0)
            year = int(groups[2]) if groups[2] else 0
            year += 2000 if 0 < year < 100 or groups[2] == "00" else 0
        elif order == "dmy":
            day, month = int(groups[0]), MONTHS[groups[1].lower()]
            year = int(groups[2]) if groups[2] else 0
        else:
            month, day = MONTHS[groups[0].lower()], int(groups[1])
            year = int(groups[2]) if groups[2] else 0
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
        found.append(DateRef(year or None, month, day))
        return f" qdate{len(found) - 1} "

    # A month is capitalised here: "you may first ask" has no date in it.
    text = _ORDINAL_OF.sub(
        lambda m: f"{_ORDINALS[m[1].lower()]} {m[2]}" if m[2][0].isupper() else m[0], text
    )
    text = _MONTH_ORDINAL.sub(
        lambda m: f"{m[1]} {_ORDINALS[m[2].lower()]}" if m[1][0].isupper() else m[0], text
    )
    text = _DATE_ISO.sub(lambda m: take(m, "iso"), text)
    text = _DATE_US.sub(lambda m: take(m, "us"), text)
    text = _DATE_DMY.sub(lambda m: take(m, "dmy"), text)
    text = _DATE_MDY.sub(lambda m: take(m, "mdy"), text)
    return found, text
