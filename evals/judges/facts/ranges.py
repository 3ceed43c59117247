"""Values a text states, bounds and ranges included: whether "five years" falls in a row
that reads "3 to less than 6 years", or "1 m/s" is the row "1.0 m/s".

Tables and policies state values as bands ("Less than 3 years", "6 years or more", "between
15% and 30%"), and a question asks about one value ("after five years"). Reads the tokens as
``extract_facts`` leaves them: it has already written "or more" as "minimum" after the value
and "up to" as "maximum" before it, and a dash between two numbers as "to".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from evals.judges.attributes import question_proper
from evals.judges.facts.extract import Facts, facts_of
from evals.judges.facts.quantities import Quantity, parse_number
from evals.judges.facts.words import stem

# Words before a value that bound it; (the words, whether they bound it from above, whether
# the value itself is inside). English comparison words, not a corpus's vocabulary.
_BEFORE: tuple[tuple[tuple[str, ...], bool, bool], ...] = (
    (("no", "more", "than"), True, True),
    (("less", "than"), True, False),
    (("fewer", "than"), True, False),
    (("at", "most"), True, True),
    (("maximum",), True, True),
    (("under",), True, False),
    (("below",), True, False),
    (("more", "than"), False, False),
    (("greater", "than"), False, False),
    (("longer", "than"), False, False),
    (("at", "least"), False, True),
    (("minimum",), False, True),
    (("over",), False, False),
    (("above",), False, False),
)
# Words between two values that make them one range ("3 to 6", "between 15% and 30%").
_JOINS = frozenset({"to", "and", "through", "until", "till"})
# Comparatives that, without a "than", name the other side of a threshold the text states:
# "absences of more than 3 days need 2 weeks' notice; shorter ones, 2 business days".
_OTHER_SIDE = frozenset(
    {"shorter", "longer", "fewer", "smaller", "larger", "bigger", "lower", "higher", "older",
     "younger"}
)  # fmt: skip


@dataclass(frozen=True)
class Interval:
    """The values a text allows for one quantity: [low, high], each end open or closed."""

    low: float
    high: float
    units: frozenset[str]
    low_closed: bool = True
    high_closed: bool = True

    def holds(self, q: Quantity) -> bool:
        """Whether ``q`` lies in the interval, in a unit that does not contradict it."""
        if self.low == self.high:  # a value, not a band: as the judge compares two values
            return Quantity(self.low, self.units).matches(q)
        if self.units and q.units and not self.units & q.units:
            return False
        above = q.value > self.low or (self.low_closed and q.value == self.low)
        below = q.value < self.high or (self.high_closed and q.value == self.high)
        return above and below


def _bound(words: tuple[str, ...]) -> tuple[bool, bool] | None:
    """The bound ``words`` are, exactly ("less than": from above, open); None if not one."""
    return next(((upper, closed) for w, upper, closed in _BEFORE if w == words), None)


def _bound_before(tokens: tuple[str, ...], at: int) -> tuple[bool, bool] | None:
    for words, upper, closed in _BEFORE:
        n = len(words)
        if at >= n and tokens[at - n : at] == words:
            return upper, closed
    return None


def _range(
    tokens: tuple[str, ...], at: int, q: Quantity, nxt: int, q2: Quantity
) -> Interval | None:
    """The range two values make ("3 to less than 6 years", "between 15% and 30%"), or None
    when the words between them do not join them into one."""
    between = tokens[at + 1 : nxt]
    join = next((k for k, w in enumerate(between) if w in _JOINS), None)
    if join is None or join > 2 or q.value > q2.value:
        return None  # more than a unit's words before the join: two separate values
    if between[join] == "and" and (at == 0 or tokens[at - 1] != "between"):
        return None  # "5 days and 10 days" lists two values
    if q.units and q2.units and not q.units & q2.units:
        return None
    rest = between[join + 1 :]
    bound = _bound(rest) if rest else (True, True)
    if bound is None or not bound[0]:
        return None
    return Interval(q.value, q2.value, q2.units or q.units, True, bound[1])


def intervals(facts: Facts) -> list[Interval]:
    """Each value ``facts`` states as the interval it allows: a band for "less than 3
    years", "6 years minimum", "3 to less than 6 years"; a single value otherwise."""
    tokens = facts.tokens
    found = [(t.position, t.quantity) for t in facts.terms if t.quantity is not None]
    out: list[Interval] = []
    taken = -1  # the last token a value took as its bound after it ("6 years minimum")
    i = 0
    while i < len(found):
        at, q = found[i]
        if i + 1 < len(found):
            band = _range(tokens, at, q, *found[i + 1])
            if band is not None:
                out.append(band)
                i += 2
                continue
        bound = _bound_before(tokens[taken + 1 :], at - taken - 1)
        ends = found[i + 1][0] if i + 1 < len(found) else len(tokens)
        after = tokens[at + 1 : min(at + 4, ends)]
        for word, upper in (("minimum", False), ("maximum", True)):
            if bound is None and word in after:
                bound = (upper, True)
                taken = at + 1 + after.index(word)
        if bound is None:
            out.append(Interval(q.value, q.value, q.units))
        elif bound[0]:
            out.append(Interval(-math.inf, q.value, q.units, True, bound[1]))
        else:
            out.append(Interval(q.value, math.inf, q.units, bound[1], True))
        i += 1
    return out


def states_value(facts: Facts, q: Quantity) -> bool:
    """Whether the text of ``facts`` states ``q``: the same quantity (in another unit of time
    too), or a band of its unit that contains it."""
    return any(interval.holds(q) for interval in intervals(facts))


def required_values(facts: Facts, values: tuple[Quantity, ...]) -> tuple[Quantity, ...]:
    """The values a question names that a passage must hold to answer for them: those of a
    unit the passage gives two or more values or bands of (the rows of a table, the cases of a
    rule: the one asked must be among them). A value of a unit the passage states once or never
    describes the asker's situation, and is left to the qualifiers."""
    stated = intervals(facts)

    def cases(q: Quantity) -> int:
        # The same units exactly: "$65 per day" is a rate, and gives no value of "2 days".
        return len({(i.low, i.high) for i in stated if i.units == q.units})

    return tuple(q for q in values if q.units and cases(q) >= 2)


def values_missing(facts: Facts, required: tuple[Quantity, ...]) -> tuple[Quantity, ...]:
    """Of ``required``, the values the text neither states nor holds in a band, nor places on
    the other side of a threshold it names ("shorter ones" after "more than 3 days")."""
    stated = intervals(facts)
    held = [*stated, *_others(facts.tokens, stated)]
    return tuple(q for q in required if not any(i.holds(q) for i in held))


def _others(tokens: tuple[str, ...], stated: list[Interval]) -> list[Interval]:
    """The other side of each threshold ``stated`` ("more than 3 days": 3 days or fewer),
    when the text (``tokens``) speaks of it with a comparative and no "than" ("shorter
    ones")."""
    if not any(
        t in _OTHER_SIDE and (i + 1 == len(tokens) or tokens[i + 1] != "than")
        for i, t in enumerate(tokens)
    ):
        return []
    others = []
    for band in stated:
        if band.low == -math.inf and band.high != math.inf:
            others.append(Interval(band.high, math.inf, band.units, not band.high_closed))
        elif band.high == math.inf and band.low != -math.inf:
            others.append(Interval(-math.inf, band.low, band.units, True, not band.low_closed))
    return others


def asked_values(question: str) -> tuple[Quantity, ...]:
    """The values the question proper names with their units ("after five years": 5 years;
    "at 1 m/s"); a context sentence before it gives none."""
    return tuple(q for q in facts_of(question_proper(question)).quantities if q.units)


# A number (digits or a word) and the unit word after it: "five years", "1 m/s", "4-day".
_VALUE = re.compile(r"(?<![\w.])(\$?[\d][\d.,]*|[a-z]+)[\s-]+([a-z/%]+)", re.IGNORECASE)


def value_as_written(value: Quantity, text: str) -> str:
    """``value`` as ``text`` writes it ("five years" rather than the read "5 year")."""
    for found in _VALUE.finditer(text):
        number, unit = found.group(1).lstrip("$").rstrip(".,"), found.group(2).lower()
        if parse_number(number) == value.value and (
            unit in value.units or stem(unit) in value.units
        ):
            return found.group(0)
    return str(value)
