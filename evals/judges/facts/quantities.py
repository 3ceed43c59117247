"""Quantities in text: numbers with the units written next to them ("$90 per day", "15%")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evals.judges.facts.words import stem

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
    "twice": 2,
    "thrice": 3,
    "dozen": 12,
    "single": 1,
}
MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9}
# Units a quantity may carry; "per minute" and "per second" are different rates.
UNITS = frozenset(
    "% $ € £ ° day hour minute second week month year quarter mm cm km kg tonne kwh mv lux mph "
    "m/s ms gb mb tb km/h deg degree celsius percent inch ft mile lb volt amp watt".split()
)
# One-letter units only count in their usual case: "40 A" is amps, "$40 a month" is not.
LETTER_UNITS = frozenset("A V W m g".split())
CURRENCY = {"$": "$", "€": "€", "£": "£", "usd": "$", "eur": "€", "gbp": "£", "dollar": "$"}
UNIT_STEMS = frozenset(stem(u) if u.isalpha() else u for u in UNITS)
PERCENT = stem("percent")


@dataclass(frozen=True)
class Quantity:
    """A number with the units written next to it (``$90 per day``: 90, {"$", "day"})."""

    value: float
    units: frozenset[str]

    def matches(self, other: Quantity) -> bool:
        """Same value, and no unit of one contradicts the other (a unit may be left out)."""
        if abs(self.value - other.value) > 1e-9 * max(1.0, abs(self.value)):
            return False
        return not self.units or not other.units or bool(self.units & other.units)

    def __str__(self) -> str:
        value = f"{self.value:g}" if self.value < 1e6 else f"{self.value:,.0f}"
        return " ".join([value, *sorted(self.units)])


def parse_number(token: str) -> float | None:
    """The number a token writes ("1,500", "2.5", "twice"); None for anything else."""
    if token[0].isdigit():
        if token.count(".") > 1:
            return None  # a version such as 3.8.2 is a name, not a quantity
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
            return float(token.replace(",", ""))
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            return float(token)
        return None
    value = NUMBER_WORDS.get(token.lower())
    return float(value) if value is not None else None


def one_is_a_pronoun(tokens: list[str], i: int) -> bool:
    """'one of them', 'one or more' use "one" as a pronoun, not a count."""
    return i + 1 < len(tokens) and tokens[i + 1].lower() in ("of", "or", "another")


def is_quantity_word(token: str) -> bool:
    """A multiplier, currency or unit symbol: part of a quantity, not a word of its own."""
    low = token.lower()
    return low in MULTIPLIERS or token in CURRENCY or low in ("%", "°")


def read_quantity(tokens: list[str], i: int, value: float) -> Quantity:
    """The quantity of the number ``value`` at ``tokens[i]``: the currency before it, a
    multiplier after it ("1.5 million") and the first unit word within four tokens."""
    units: set[str] = set()
    if i > 0 and tokens[i - 1] in CURRENCY:
        units.add(CURRENCY[tokens[i - 1]])
    j = i + 1
    if j < len(tokens) and tokens[j].lower() in MULTIPLIERS:
        value *= MULTIPLIERS[tokens[j].lower()]
        j += 1
    # The first unit word within the next four tokens: "20 working days", "600 requests
    # per minute". A following number ends the search ("between 15% and 30%").
    for token in tokens[j : j + 4]:
        low = token.lower()
        if parse_number(token) is not None:
            break
        if low in CURRENCY:
            units.add(CURRENCY[low])
            continue
        s = low if not low.isalpha() else stem(low)
        if len(token) == 1 and token.isalpha():
            if token in LETTER_UNITS:
                units.add(low)
                break
            continue
        if s in UNIT_STEMS:
            units.add("%" if s == PERCENT else s)
            if s not in ("$", "€", "£"):
                break
    return Quantity(value, frozenset(units))
