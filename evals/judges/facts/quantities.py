"""Quantities in text: numbers with the units written next to them ("$90 per day", "15%")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evals.judges.facts.words import STOPWORDS, stem

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
    "thirteen": 13,
    "fourteen": 14,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "seventy": 70,
    "eighty": 80,
    "hundred": 100,
    "half": 0.5,
    "twice": 2,
    "thrice": 3,
    "dozen": 12,
    "single": 1,
}
MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9, "k": 1e3}
# Units a quantity may carry; "per minute" and "per second" are different rates.
UNITS = frozenset(
    "% $ € £ ° day hour minute second week fortnight month year quarter decade mm cm km kg "
    "tonne kwh "
    "mv lux mph m/s ms gb mb tb km/h deg degree celsius percent inch ft mile lb volt amp "
    "watt oclock".split()
)
# The unit of a clock time read as one value ("16:30" is 16.5 oclock; facts/extract.py).
CLOCK = "oclock"
MONEY = frozenset({"$", "€", "£"})
# One-letter units only count in their usual case: "40 A" is amps, "$40 a month" is not.
LETTER_UNITS = frozenset("A V W m g".split())
CURRENCY = {"$": "$", "€": "€", "£": "£", "usd": "$", "eur": "€", "gbp": "£", "dollar": "$"}
UNIT_STEMS = frozenset(stem(u) if u.isalpha() else u for u in UNITS)
PERCENT = stem("percent")
# Compound period words that name the period they count: "ten workdays" is ten days.
UNIT_ALIASES = {
    stem(w): stem(u) for w, u in (("workday", "day"), ("weekday", "day"), ("workweek", "week"))
}


# Durations in days, with the other lengths a week, month or year is commonly given ("two
# business weeks" = 10 business days, "52 weeks" = one year): a restated duration is the same
# quantity, not a new number.
_DAYS: dict[str, tuple[float, ...]] = {
    "second": (1 / 86400,),
    "minut": (1 / 1440,),
    "hour": (1 / 24,),
    "day": (1.0,),
    "week": (7.0, 5.0),
    "fortni": (14.0, 10.0),
    "month": (365.25 / 12, 30.0),
    "quarte": (365.25 / 4, 91.0),
    "year": (365.25, 365.0, 364.0, 360.0),
    "decad": (3652.5,),
}
_DURATION_TOLERANCE = 0.02


def _duration(q: Quantity) -> tuple[str, set[str]] | None:
    """The one period unit of ``q`` and its other units, or None if it is not a duration."""
    periods = [u for u in q.units if u in _DAYS]
    if len(periods) != 1:
        return None
    return periods[0], set(q.units) - {periods[0]}


def same_duration(a: Quantity, b: Quantity) -> bool:
    """Whether two durations in different units are the same length ("1 week" = "7 days")."""
    da, db = _duration(a), _duration(b)
    if da is None or db is None or da[0] == db[0]:
        return False
    if da[1] and db[1] and not da[1] & db[1]:
        return False
    return any(
        abs(a.value * x - b.value * y) <= _DURATION_TOLERANCE * max(a.value * x, b.value * y)
        for x in _DAYS[da[0]]
        for y in _DAYS[db[0]]
    )


def same_rate(a: Quantity, b: Quantity) -> bool:
    """Whether two sums of money per period are the same rate ("$6,000 a year" = "$500 a
    month")."""
    da, db = _duration(a), _duration(b)
    if da is None or db is None or da[0] == db[0] or not da[1] & db[1] & MONEY:
        return False
    return any(
        abs(a.value / x - b.value / y) <= _DURATION_TOLERANCE * max(a.value / x, b.value / y)
        for x in _DAYS[da[0]]
        for y in _DAYS[db[0]]
    )


@dataclass(frozen=True)
class Quantity:
    """A number with the units written next to it (``$90 per day``: 90, {"$", "day"})."""

    value: float
    units: frozenset[str]

    def matches(self, other: Quantity) -> bool:
        """Same value, and no unit of one contradicts the other (a unit may be left out); or
        the same duration, or the same sum of money per period, in other units."""
        if abs(self.value - other.value) > 1e-9 * max(1.0, abs(self.value)):
            return same_duration(self, other) or same_rate(self, other)
        return not self.units or not other.units or bool(self.units & other.units)

    def __str__(self) -> str:
        value = f"{self.value:g}" if self.value < 1e6 else f"{self.value:,.0f}"
        return " ".join([value, *sorted(self.units)])


def parse_number(token: str) -> float | None:
    """The number a token writes ("1,500", "2.5", "twice"); None for anything else."""
    if not token:
        return None
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


_SUBJECTS = frozenset("i you we they he she it your their its the a an this that".split())
_ORDINALS = frozenset("first second third last next another".split())


def one_is_a_pronoun(tokens: list[str], i: int) -> bool:
    """'one of them', 'one or more', 'the one used for email' use "one" as a pronoun, not a
    count, and 'once it starts' "once" as a conjunction; 'the one day a week' still counts."""
    after = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    before = tokens[i - 1].lower() if i > 0 else ""
    if tokens[i].lower() == "single":
        return before in ("every", "each")  # "every single person": no count; "a single" is one
    if tokens[i].lower() == "once":
        # "once it finds the first", "once you are approved": a conjunction, no count.
        return after in _SUBJECTS
    if after in ("of", "or", "another"):
        return True
    # "the first one at 90 days", "if you miss one you can": a pronoun where no noun follows
    # (an ordinal before it, or a subject after it).
    if before in _ORDINALS or after in _SUBJECTS:
        return True
    # "the one used", "the one you need": a verb or a function word follows the pronoun;
    # "the one-time stipend", "the one exception" count one thing.
    return before in ("the", "this", "that", "which", "each") and (
        not after or after in STOPWORDS or after.endswith("ed")
    )


def is_quantity_word(token: str) -> bool:
    """A multiplier, currency or unit symbol: part of a quantity, not a word of its own."""
    low = token.lower()
    return low in MULTIPLIERS or token in CURRENCY or low in ("%", "°", CLOCK)


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
        s = UNIT_ALIASES.get(s, s)
        if s in UNIT_STEMS:
            units.add("%" if s == PERCENT else s)
            if s not in MONEY:
                break
    return Quantity(value, frozenset(units))


@dataclass(frozen=True)
class Total:
    """A count of sized things written as one phrase: "two 15-minute breaks" is 30 minutes,
    "half of an 8-hour day" is 4 hours. ``parts`` are the two numbers as written."""

    parts: tuple[float, float]
    quantity: Quantity


_SIZED = r"(?P<size>\d+(?:\.\d+)?)-(?P<unit>[a-z]+)\b"
_COUNT_OF_SIZED = re.compile(rf"\b(?P<count>\d+|[a-z]+)\s+{_SIZED}", re.I)
_SHARE_OF_SIZED = re.compile(
    rf"\b(?P<share>\d+(?:\.\d+)?)\s*%\s+of\s+(?:an?|the|one)\s+{_SIZED}", re.I
)


_PER = r"(?P<per>minute|hour|day|week|month|year)s?\b"
# "8 hours every day" with "10 work days" in the same text: 80 hours in all.
_RATE = re.compile(
    rf"\b(?P<amount>\d+(?:\.\d+)?)\s+(?P<unit>[a-z]+)\s+(?:every|per|a|an|each)\s+{_PER}", re.I
)
_COUNT_OF_PERIOD = re.compile(rf"\b(?P<count>\d+(?:\.\d+)?|[a-z]+)\s+(?:[a-z]+\s+)?{_PER}", re.I)


# "06:00-21:00", "from 06:00 to 21:00", "between 06:00 and 21:00" (clock times as restated).
_CLOCK_RANGE = re.compile(
    r"\b(?P<start>\d{1,2}):(?P<sm>\d{2})\s*(?:-|–|to|until|and)\s*(?P<end>\d{1,2}):(?P<em>\d{2})\b"
)


def _unit_of(word: str) -> frozenset[str]:
    s = UNIT_ALIASES.get(stem(word), stem(word))
    return frozenset({s}) if s in UNIT_STEMS else frozenset()


def totals(text: str) -> tuple[Total, ...]:
    """The totals ``text`` implies by counting sized things (``text`` as restated by
    ``restate_quantities``): a restated total is the same fact, not a new number."""
    found: list[Total] = []
    for match in _COUNT_OF_SIZED.finditer(text):
        count = parse_number(match.group("count"))
        if count is None or count == 1 or match.group("count").lower() in MULTIPLIERS:
            continue
        size = float(match.group("size"))
        found.append(Total((count, size), Quantity(count * size, _unit_of(match.group("unit")))))
    for rate in _RATE.finditer(text):
        amount, per = float(rate.group("amount")), stem(rate.group("per"))
        for period in _COUNT_OF_PERIOD.finditer(text):
            value = parse_number(period.group("count"))
            if period.start() == rate.start() or value is None or stem(period.group("per")) != per:
                continue
            units = _unit_of(rate.group("unit"))
            found.append(Total((amount, value), Quantity(amount * value, units)))
    for match in _CLOCK_RANGE.finditer(text):
        # Open from 06:00 to 21:00 is open 15 hours (a day); a range past midnight wraps.
        start = int(match.group("start")) + int(match.group("sm")) / 60
        end = int(match.group("end")) + int(match.group("em")) / 60
        hours = (end - start) % 24
        if hours:
            found.append(Total((start, end), Quantity(round(hours, 4), frozenset({"hour"}))))
    for match in _SHARE_OF_SIZED.finditer(text):
        share, size = float(match.group("share")), float(match.group("size"))
        found.append(
            Total((share, size), Quantity(share / 100 * size, _unit_of(match.group("unit"))))
        )
    return tuple(found)
