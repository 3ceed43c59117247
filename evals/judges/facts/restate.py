"""Quantities written as words or idioms, restated with numbers before facts are read.

"Dollar for dollar" is "100%", "quarterly" is "every 3 months", "fifteen hundred" is "1500",
"half past three in the afternoon" is "15:30", "FY22" is "fiscal year 2022", "nine out of ten"
is "90%". Claim and evidence are restated alike, so a quantity restated in other words meets
the number it restates; a changed number still differs. English forms only, no corpus's words.
"""

from __future__ import annotations

import re

from evals.judges.facts.quantities import NUMBER_WORDS, parse_number
from evals.judges.facts.words import STOPWORDS

# "twenty-five": a tens word and a ones word, read from NUMBER_WORDS.
_TENS = {
    w: NUMBER_WORDS[w] for w in "twenty thirty forty fifty sixty seventy eighty ninety".split()
}
_ONES = {w: NUMBER_WORDS[w] for w in "one two three four five six seven eight nine".split()}


# "fifteen hundred", "two dozen": a count of hundreds or dozens is one number.
_MULTIPLES = {"hundred": 100, "dozen": 12}


def _compound_number(match: re.Match[str]) -> str:
    return str(_TENS[match.group(1).lower()] + _ONES[match.group(2).lower()])


# A number said in words with its scales: "one hundred ninety-one thousand nine hundred" is
# 191900, "a thousand" 1000, "two hundred and fifty" 250. Read as English grammar has it
# (a unit or teen, a tens word and a unit, "hundred", then a larger scale), so that words
# that only stand next to each other ("two three-hour sessions") stay as they are.
_SMALL = {w: int(v) for w, v in NUMBER_WORDS.items() if w in _ONES or 10 <= v < 20}
_SCALES_SAID = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORD = "|".join(sorted([*_SMALL, *_TENS, "hundred", *_SCALES_SAID], key=len, reverse=True))
_SAID_RUN = re.compile(
    rf"\b(?:(?:a|one)\s+(?=(?:hundred|{'|'.join(_SCALES_SAID)})\b))?(?:{_NUMBER_WORD})"
    rf"(?:(?:\s+and\s+|\s+|-)(?:{_NUMBER_WORD}))+\b|\ba\s+(?:hundred|{'|'.join(_SCALES_SAID)})\b",
    re.I,
)


def said_number(words: list[str]) -> int | None:
    """The value of number words in English order ("one hundred ninety one thousand"), or
    None when they do not make one number ("two three", "hundred thousand five hundred one")."""
    total, current, last = 0, 0, ""
    scale_seen = 10**12
    for word in words:
        if word == "and":
            if last not in ("hundred", "scale"):
                return None
            continue
        if word in _SMALL:
            if last == "small" or (last == "tens" and _SMALL[word] >= 10):
                return None
            current, last = current + _SMALL[word], "small"
        elif word in _TENS:
            if last in ("small", "tens") or current % 100:
                return None
            current, last = current + int(_TENS[word]), "tens"
        elif word == "hundred":
            if last == "hundred" or current >= 100:
                return None
            current, last = (current or 1) * 100, "hundred"
        elif word in _SCALES_SAID:
            scale = _SCALES_SAID[word]
            if scale >= scale_seen:
                return None
            total, current, last, scale_seen = total + (current or 1) * scale, 0, "scale", scale
        else:
            return None
    return total + current


def _said_run(match: re.Match[str]) -> str:
    said, rest = match.group(0), ""
    if match.string[match.end() : match.end() + 1] == "-":
        # "twenty eight-hour shifts": the last word counts the hours, not the shifts.
        cut = re.search(r"(?:\s+and\s+|\s+|-)(\w+)$", said)
        if cut is None:
            return said
        said, rest = said[: cut.start()], said[cut.start() :]
    words = [w.lower() for w in re.split(r"[\s-]+", said) if w.lower() not in ("a", "")]
    if not words or words == ["one"]:
        return match.group(0)  # "a thousand-dollar grant": one number word, the hyphen's
    value = said_number(words)
    return match.group(0) if value is None else f"{value}{rest}"


# US time zones after a clock time, however written: "5 PM Eastern", "17:00 ET", "5pm EST".
_ZONES = {"eastern": "ET", "pacific": "PT", "central": "CT", "mountain": "MT"}
_ZONE = re.compile(
    r"(?<=\d\d:\d\d)\s+(?:(eastern|pacific|central|mountain)(?:\s+(?:standard\s+|daylight\s+)?time)?"
    r"|([EPCM])[SD]?T)\b",
    re.I,
)


def _zone(match: re.Match[str]) -> str:
    word, letter = match.group(1), match.group(2)
    return " " + (_ZONES[word.lower()] if word else f"{letter.upper()}T")


# Counting words only: "twice in the morning" is no clock time, "single" and "dozen" no count.
_CARDINALS = {
    w: v
    for w, v in NUMBER_WORDS.items()
    if float(v).is_integer() and w not in _MULTIPLES and w not in ("single", "twice", "thrice")
}
_CARDINAL = r"\d+|" + "|".join(sorted(_CARDINALS, key=len, reverse=True))
_HOURS = r"\d{1,2}|" + "|".join(w for w, v in _CARDINALS.items() if 1 <= v <= 12)


def _number(word: str) -> float:
    value = parse_number(word.lower())
    return 0.0 if value is None else value


# Words back from a period that a number may stand and make it a rate's ("7 days of
# administrative leave in a calendar year").
_RATE_REACH = 6


def _attached(text: str, start: int) -> bool:
    """Whether a number stands within ``_RATE_REACH`` words before ``start``: "$40 a month"
    and "8 hours in a day" give a rate's unit, not a period of their own."""
    words = text[:start].split()
    for i in range(max(0, len(words) - _RATE_REACH), len(words)):
        if i and words[i - 1].lower() == "every":
            continue  # "every 1 week for an hour": a frequency's count is no rate's number
        word = words[i]
        if re.search(r"[\d$€£%]", word) or parse_number(word.lower().strip(",;:")) is not None:
            return True
    return False


def _multiple(match: re.Match[str]) -> str:
    return f"{_number(match.group(1)) * _MULTIPLES[match.group(2).lower()]:g}"


def _money(match: re.Match[str]) -> str:
    return f"${_number(match.group(1)):g}.{int(_number(match.group(2))):02d}"


def _share(numerator: float, denominator: float) -> str:
    return f"{100 * numerator / denominator:.4g}%" if denominator else ""


def _out_of(match: re.Match[str]) -> str:
    return _share(_number(match.group(1)), _number(match.group(2))) or match.group(0)


def _fiscal_year(match: re.Match[str]) -> str:
    year = match.group(1)
    return f"fiscal year {'20' + year if len(year) == 2 else year}"


def _part_of_day(match: re.Match[str]) -> str:
    """ "7 and 10 in the morning" is "7 am and 10 am"; "half past three" was made "3:30"."""
    suffix = "am" if match.group("part").lower() == "morning" else "pm"

    def clock(hour: str, minute: str | None) -> str:
        return f"{_number(hour):g}{':' + minute if minute else ''} {suffix}"

    first = clock(match.group("h1"), match.group("m1"))
    if match.group("h2") is None:
        return first
    return f"{first} {match.group('joint')} {clock(match.group('h2'), match.group('m2'))}"


def _past(match: re.Match[str]) -> str:
    minutes = {"half": 30, "quarter": 15}[match.group(1).lower()]
    return f"{_number(match.group(2)):g}:{minutes:02d}"


def _quarter_to(match: re.Match[str]) -> str:
    hour = int(_number(match.group(1)))
    return f"{(hour - 2) % 12 + 1}:45"


# "12 midnight", "half past three", "7 and 10 in the morning", "ten o'clock": clock times said
# in words, restated so that the am/pm reading below gives the 24-hour time.
_SAID_CLOCK = (
    (re.compile(r"\b12\s+(midnight|noon)\b", re.I), r"\1"),
    (re.compile(rf"\b(half|quarter)\s+past\s+({_HOURS})\b(?![.:]\d)", re.I), _past),
    (re.compile(rf"\ba\s+quarter\s+to\s+({_HOURS})\b(?![.:]\d)", re.I), _quarter_to),
    (re.compile(rf"\b({_HOURS})\s+o'?clock\b", re.I), lambda m: f"{_number(m.group(1)):g}:00"),
    (
        re.compile(
            rf"\b(?P<h1>{_HOURS})(?::(?P<m1>\d\d))?(?:\s*(?P<joint>and|to|until|or|-|–)\s*"
            rf"(?P<h2>{_HOURS})(?::(?P<m2>\d\d))?)?\s+in\s+the\s+(?P<part>morning|afternoon|evening)\b",
            re.I,
        ),
        _part_of_day,
    ),
)
# Numbers said in words: "fifteen hundred", "two dozen", "two dollars and fifteen cents",
# "tenfold", "nine out of ten", "FY22".
_SAID_NUMBER = (
    (re.compile(rf"\b({_CARDINAL})\s+(hundred|dozen)\b", re.I), _multiple),
    (
        re.compile(rf"\b({_CARDINAL})\s+dollars?\s+and\s+({_CARDINAL})\s+cents?\b", re.I),
        _money,
    ),
    (re.compile(rf"\b({_CARDINAL})-?fold\b", re.I), r"\1 times"),
    # "9 out of 10 issues" is a share; "4.6 out of 5 in the survey" a rating, left as is.
    (
        re.compile(
            rf"(?<![\d.])({_CARDINAL})\s+out\s+of\s+(?:every\s+)?({_CARDINAL})\b(?![.\d])"
            rf"(?=\s+(?!(?:{'|'.join(sorted(STOPWORDS))})\b)[a-z])",
            re.I,
        ),
        _out_of,
    ),
    (re.compile(r"\bFY\s?'?(\d{4}|\d{2})\b"), _fiscal_year),
)
# Quantities written as words or idioms, restated with numbers before facts are read.
_RESTATE = (
    (re.compile(r"\bdollar[- ]for[- ]dollar\b", re.I), "100%"),
    # "M-F", "Mon-Fri": the working week's days, as "Monday through Friday" says them.
    (re.compile(r"\b(?:M|Mon)\.?\s*[-–]\s*(?:F|Fri)\b"), "Monday through Friday"),
    (re.compile(r"\b(?:bi-?weekly|fortnightly|every other week)\b", re.I), "every 2 weeks"),
    (re.compile(r"\b(?:a|one|each|every|per)\s+fortnight\b", re.I), "every 2 weeks"),
    (re.compile(r"\bbi-?monthly\b", re.I), "every 2 months"),
    (re.compile(r"\bsemi-?annual(?:ly)?\b", re.I), "twice a year"),
    (re.compile(r"\b(\d+(?:\.\d+)?)\s*x\b", re.I), r"\1 times"),
    (re.compile(r"\bdouble\b", re.I), "2 times"),
    (re.compile(r"\bhalf (?:an?|of an?)\s+(hour|day|week|month|year)\b", re.I), r"0.5 \1"),
    (re.compile(r"\b(?:a|one)\s+quarter\s+of\s+an\s+hour\b", re.I), "15 minutes"),
    (re.compile(r"\bthree\s+quarters\s+of\s+an\s+hour\b", re.I), "45 minutes"),
    (re.compile(r"\b(?:a|one)[\s-]+third\s+of\s+an\s+hour\b", re.I), "20 minutes"),
    (
        re.compile(r"\b(?:an?|one)\s+(hour|day|week|month|year)\s+and\s+a\s+quarter\b", re.I),
        r"1.25 \1s",
    ),
    (re.compile(r"\btwo[\s-]+thirds\s+of\s+an\s+hour\b", re.I), "40 minutes"),
    (re.compile(r"\bhalf[- ]hour\b", re.I), "30-minute"),
    (re.compile(r"\bnoon\b", re.I), "12:00"),
    (re.compile(r"\bmidnight\b", re.I), "00:00"),
)
# "twenty-five" is one number, not twenty and five (read before "twenty-five hundred").
_COMPOUND = re.compile(rf"\b({'|'.join(_TENS)})-({'|'.join(_ONES)})\b", re.I)


_PERIOD = r"(hour|day|week|month|year|quarter|decade)s?"
# "an hour and a half", "two and a half years", "the next year and a half": the half is part of
# the number.
_AND_A_HALF = (
    re.compile(rf"\b(?:an?|one)\s+{_PERIOD}\s+and\s+a\s+half\b", re.I),
    re.compile(rf"(?<=\bthe\s)(?:[a-z]+\s+)?{_PERIOD}\s+and\s+a\s+half\b", re.I),
    re.compile(rf"\b(\d+|[a-z]+)\s+and\s+a\s+half\s+{_PERIOD}\b", re.I),
)
# "2-3 weeks", "between 14 and 21 days": the first number of a range has the unit of the second.
_RANGE = re.compile(
    rf"\b(\d+(?:\.\d+)?|{_CARDINAL})\s*(?:-|–|—|to|and)\s*(\d+(?:\.\d+)?|{_CARDINAL})\s+"
    r"((?:business\s+|working\s+|calendar\s+)?(?:minute|hour|day|week|month|year)s?)\b",
    re.I,
)
# "a quarter of a million", "half a century": a fraction of a number or a period is a number
# of its units, not a share.
_FRACTION_WORDS = {"half": 0.5, "a quarter": 0.25, "one quarter": 0.25, "a third": 1 / 3}
_SCALES = {
    "million": (1e6, ""),
    "thousand": (1e3, ""),
    "century": (100, " years"),
    "decade": (10, " years"),
}
_FRACTION_OF = re.compile(
    rf"\b({'|'.join(_FRACTION_WORDS)})\s+(?:of\s+)?an?\s+({'|'.join(_SCALES)})\b", re.I
)


def _fraction_of(match: re.Match[str]) -> str:
    scale, unit = _SCALES[match.group(2).lower()]
    return f"{_FRACTION_WORDS[match.group(1).lower()] * scale:g}{unit}"


# "twice a year", "3 times per week": a frequency is one period divided by the count, so that
# "twice a year" and "every 6 months" are the same quantity.
_TIMES_A = re.compile(
    rf"\b(once|twice|thrice|(\d+|[a-z]+)\s+times?)\s+(?:a|an|per|each|every)\s+{_PERIOD}\b",
    re.I,
)
# Shares written as fractions: "half of the bonus" is 50% of it, "a third of" 33.33% of it,
# "four-fifths" 80%. Without a hyphen a fraction is a share only before "of": "two quarters"
# alone is half a year.
_DENOMINATORS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fourth": 4,
    "fourths": 4,
    "fifth": 5,
    "fifths": 5,
    "sixth": 6,
    "sixths": 6,
    "eighth": 8,
    "eighths": 8,
    "tenth": 10,
    "tenths": 10,
}
_NUMERATOR = "a|one|" + "|".join(w for w in _ONES if w != "one")
_DENOMINATOR = "|".join(sorted(_DENOMINATORS, key=len, reverse=True))


def _fraction(match: re.Match[str]) -> str:
    numerator = 1.0 if match.group(1).lower() == "a" else _number(match.group(1))
    return _share(numerator, _DENOMINATORS[match.group(2).lower()])


_FRACTIONS = (
    (re.compile(r"\b(?:one\s+|a\s+)?half\s+(?=of\b|the\b)", re.I), "50% "),
    (
        re.compile(rf"\b({_NUMERATOR})\s+({_DENOMINATOR})\s+(?=of\b)", re.I),
        lambda m: f"{_fraction(m)} ",
    ),
    (re.compile(rf"\b({_NUMERATOR})-({_DENOMINATOR})\b(?!-)", re.I), _fraction),
    (re.compile(r"\b(\d+)/(\d+)\s+(?=of\b)"), lambda m: f"{_share(int(m[1]), int(m[2]))} "),
)
# "quarterly", "annually": a frequency, or after an amount the period of its rate ("$500
# annually" is "$500 per year").
FREQUENCIES = {
    "quarterly": ("3 months", "quarter"),
    "annually": ("1 year", "year"),
    "yearly": ("1 year", "year"),
    "monthly": ("1 month", "month"),
    "weekly": ("1 week", "week"),
    "daily": ("1 day", "day"),
    "hourly": ("1 hour", "hour"),
}
_FREQUENCY = re.compile(rf"\b({'|'.join(FREQUENCIES)})\b", re.I)


def _frequency(match: re.Match[str]) -> str:
    every, per = FREQUENCIES[match.group(1).lower()]
    after = re.match(r"[ \t]*([\w$-]+)", match.string[match.end() :])  # on its own line
    if after and after.group(1).lower() not in STOPWORDS:
        return match.group(0)  # before its noun, a kind of thing: "a weekly 1:1", "hourly fees"
    return f"per {per}" if _attached(match.string, match.start()) else f"every {every}"


# "within a month", "at least a full business week": one period, unless it is a rate's ("8
# hours in a day").
_ONE_PERIOD = re.compile(
    r"\b(within|for|in|after|over|about|around|than|least|most|under|only|nearly|almost|"
    r"approximately|roughly|to)\s+(?:a|an)\s+((?:(?:full|whole|single|business|working|work|"
    r"calendar)\s+)*)(minute|hour|day|week|month|year|decade)\b",
    re.I,
)


# "meets every month", "each week": once a period, as "monthly" and "once a month" say it
# ("8 hours each day" gives a rate's period, not how often).
_EVERY_PERIOD = re.compile(r"\b(?:each|every)\s+(hour|day|week|month|quarter|year)\b", re.I)


def _every_period(match: re.Match[str]) -> str:
    if _attached(match.string, match.start()):
        return match.group(0)
    return f"every 1 {match.group(1)}"


def _one_period(match: re.Match[str]) -> str:
    if _attached(match.string, match.start()):
        return match.group(0)
    return f"{match.group(1)} 1 {match.group(2)}{match.group(3)}"


# "9 am", "5:30 p.m.": a clock time on the 24-hour clock, as "09:00" and "17:30" write it.
_CLOCK = re.compile(
    r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])(?:\.m\.|m)(?![a-z])(?P<end>(?=\s+(?-i:[A-Z])))?", re.I
)


def _count(word: str) -> float | None:
    low = word.lower()
    if low == "once":
        return 1.0
    return parse_number(low)


def _and_a_half(match: re.Match[str]) -> str:
    if match.lastindex == 1:
        # "the following year and a half": keep the word between "the" and the period.
        lead = match.group(0)[: match.start(1) - match.start(0)]
        return f"{lead}1.5 {match.group(1)}s"
    value = _count(match.group(1))
    return match.group(0) if value is None else f"{value + 0.5:g} {match.group(2)}s"


def _times_a(match: re.Match[str]) -> str:
    value = _count(match.group(2) or match.group(1).split()[0])
    if not value:
        return match.group(0)
    return f"every {1 / value:.4g} {match.group(3)}"


def _clock(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 12 or minute > 59:
        return match.group(0)
    hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
    # "at 9 a.m. The desk ..." ends a sentence on the abbreviation's dot: keep it.
    end = "." if match.group(0).endswith(".") and match.group("end") is not None else ""
    return f"{hour:02d}:{minute:02d}{end}"


def restate_quantities(text: str) -> str:
    """``text`` with quantity idioms written as numbers: "dollar for dollar" is "100%",
    "biweekly" is "every 2 weeks", "2x" is "2 times", "half an hour" is "0.5 hour", "an hour
    and a half" is "1.5 hours", "twice a year" is "every 0.5 year", "half of" is "50% of",
    "9 am" is "09:00"; and the forms in this module's docstring."""
    # Non-breaking and Unicode hyphens ("two‑year") join words as "-" does.
    text = text.replace("\u2011", "-").replace("\u2010", "-")
    text = _FRACTION_OF.sub(_fraction_of, text)
    text = _COMPOUND.sub(_compound_number, _SAID_RUN.sub(_said_run, text))
    for pattern, replacement in (*_SAID_NUMBER, *_SAID_CLOCK, *_RESTATE):
        text = pattern.sub(replacement, text)
    text = _RANGE.sub(r"\1 \3 to \2 \3", text)
    text = _FREQUENCY.sub(_frequency, text)
    text = _EVERY_PERIOD.sub(_every_period, text)
    # "for an hour and a half" is 1.5 hours before "for an hour" can be read as 1 hour.
    for pattern in _AND_A_HALF:
        text = pattern.sub(_and_a_half, text)
    text = _ONE_PERIOD.sub(_one_period, text)
    text = _TIMES_A.sub(_times_a, text)
    for pattern, replacement in _FRACTIONS:
        text = pattern.sub(replacement, text)
    return _ZONE.sub(_zone, _CLOCK.sub(_clock, text))
