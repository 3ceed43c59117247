"""The checkable facts of a sentence: content words, quantities, dates, names and polarity.

The offline judge and the overlap baseline compare these between a claim and its evidence.
Everything here is plain rules over English text (no model, no download), so verdicts are
deterministic and explainable: "the claim says 30 days, the evidence says 15 days".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_MONTHS = {
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
_MONTH_RE = "|".join(sorted((m for m in _MONTHS if len(m) > 3), key=len, reverse=True))
_MONTH_RE += "|may|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_DATE_DMY = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE
)
_DATE_MDY = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE
)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

_NUMBER_WORDS = {
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
_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9}
# Units a quantity may carry; "per minute" and "per second" are different rates.
_UNITS = frozenset(
    "% $ € £ ° day hour minute second week month year quarter mm cm km kg tonne kwh mv lux mph "
    "m/s ms gb mb tb km/h deg degree celsius percent inch ft mile lb volt amp watt".split()
)
# One-letter units only count in their usual case: "40 A" is amps, "$40 a month" is not.
_LETTER_UNITS = frozenset("A V W m g".split())
_CURRENCY = {"$": "$", "€": "€", "£": "£", "usd": "$", "eur": "€", "gbp": "£", "dollar": "$"}
# Phrases that bound a value rather than negate a statement.
_COMPARATORS = re.compile(
    r"\b(?:no|not|never)\s+(more|less|fewer|later|earlier|longer|shorter|higher|lower)\s+than\b",
    re.IGNORECASE,
)
_NEGATIONS = frozenset("not no never cannot none nobody nothing neither nor nowhere".split())
_IRREGULAR = {
    "rose": "rise",
    "risen": "rise",
    "fell": "fall",
    "fallen": "fall",
    "grew": "grow",
    "grown": "grow",
    "paid": "pay",
    "sent": "send",
    "gave": "give",
    "given": "give",
    "took": "take",
    "taken": "take",
    "led": "lead",
    "held": "hold",
    "kept": "keep",
    "left": "leave",
    "made": "make",
    "met": "meet",
    "sold": "sell",
    "bought": "buy",
    "began": "begin",
    "begun": "begin",
    "went": "go",
    "gone": "go",
    "won": "win",
    "lost": "lose",
    "shut": "shut",
    "chose": "choose",
    "chosen": "choose",
    "wrote": "write",
    "written": "write",
    "came": "come",
    "became": "become",
    "built": "build",
    "spent": "spend",
    "got": "get",
    "ran": "run",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
}
_STOPWORDS = frozenset(
    """a an the and or but if then than that this these those there here of in on at to for from
    by with as into onto about per via is are was were be been being am do does did doing have has
    had having it its it's they them their theirs we us our you your he him his she her i me my
    which who whom whose what when where why how while also too very so such can could may might
    must shall should will would just own same other another some any each every all both either
    up down out off again further once only s t don nor own just over under within until upon
    after before through during between among against across around along via itself themselves
    yourself ourselves himself herself whatever whichever whoever because though although unless
    without
    whether yet still even ever much many more most less least few fewer lot lots""".split()
)
# Words that flip a statement when swapped for their counterpart. General English only.
_ANTONYM_WORDS = (
    ("rise", "fall"),
    ("rise", "decline"),
    ("increase", "decrease"),
    ("increase", "reduce"),
    ("grow", "decline"),
    ("grow", "shrink"),
    ("grow", "fall"),
    ("gain", "lose"),
    ("above", "below"),
    ("more", "less"),
    ("more", "fewer"),
    ("over", "under"),
    ("maximum", "minimum"),
    ("higher", "lower"),
    ("highest", "lowest"),
    ("exceed", "below"),
    ("before", "after"),
    ("early", "late"),
    ("earlier", "later"),
    ("first", "last"),
    ("shorter", "longer"),
    ("approve", "reject"),
    ("accept", "refuse"),
    ("accept", "reject"),
    ("include", "exclude"),
    ("allow", "forbid"),
    ("allow", "prohibit"),
    ("permit", "forbid"),
    ("required", "optional"),
    ("mandatory", "optional"),
    ("always", "never"),
    ("inside", "outside"),
    ("internal", "external"),
    ("domestic", "international"),
    ("both", "either"),
    ("all", "some"),
    ("profit", "loss"),
    ("success", "failure"),
    ("pass", "fail"),
    ("open", "closed"),
    ("start", "finish"),
    ("same", "different"),
)
# "who" opens a restrictive clause that works as a condition: "a customer who does not
# return the part is billed" = "if a customer does not return the part, they are billed".
_CONDITIONAL = re.compile(r"\b(?:if|unless|whether|when|who|that)\b[^,;:.!?]*", re.IGNORECASE)
_RESTRICTIVE = frozenset({"only", "solely", "exclusively"})
_EXCEPTIONS = frozenset({"unless", "except", "excluding"})
_HEDGES = frozenset({"normally", "usually", "generally", "typically", "mostly", "often"})
# Closed classes of value words: a claim that says "red" where the evidence says "amber", or
# "first month" where it says "first week", changed a value as surely as a changed number.
_VALUE_WORDS = {
    "colour": "red amber green blue white yellow black orange grey gray purple pink brown",
    "weekday": "monday tuesday wednesday thursday friday saturday sunday weekday weekend",
    # "second" is left out: it is an ordinal as often as a unit.
    "period": "minute hour day week fortnight month quarter year decade",
}
_TOKEN = re.compile(
    r"m/s|km/h|[$€£%°]|\d+(?:[.,]\d+)*|[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*",
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude, deterministic stem: enough to match "returned" with "returns"."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
    w = _IRREGULAR.get(w, w)
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("es") and len(w) > 4 and w[-3] in "sxzh":
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w[:6]


ANTONYMS = tuple((stem(a), stem(b)) for a, b in _ANTONYM_WORDS)
_SURFACE = {stem(w): w for pair in _ANTONYM_WORDS for w in pair}
POLAR = frozenset(w for pair in ANTONYMS for w in pair)
_MONTH_STEMS = frozenset(stem(m) for m in _MONTHS)
VALUE_KIND = {stem(w): kind for kind, words in _VALUE_WORDS.items() for w in words.split()}
_VALUE_WORD_STEMS = frozenset(VALUE_KIND)  # months are names only when capitalised ("may")
VALUE_KIND.update({m: "month" for m in _MONTH_STEMS})
_UNIT_STEMS = frozenset(stem(u) if u.isalpha() else u for u in _UNITS)
_PERCENT = stem("percent")


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


@dataclass(frozen=True)
class Term:
    """One meaningful item of a sentence, in order: a content word, a quantity or a date."""

    stem: str
    quantity: Quantity | None = None
    date: DateRef | None = None
    entity: bool = False
    value: bool = False  # a closed-class value word (red, Monday, week): checked like a name
    position: int = 0  # token index, so words split by "of the" are not one name


@dataclass(frozen=True)
class Facts:
    """What a sentence asserts, in comparable form."""

    content: tuple[str, ...]  # stems of content words, in order, repeats removed
    stems: frozenset[str]  # every word stem (content and function words)
    quantities: tuple[Quantity, ...]
    dates: tuple[DateRef, ...]
    entities: tuple[str, ...]  # names and codes the sentence commits to, lowercased
    negations: int
    terms: tuple[Term, ...] = ()  # content words, quantities and dates in reading order
    words: tuple[str, ...] = ()  # the content words as written (lowercased), parallel to content
    tokens: tuple[str, ...] = ()  # every token, lowercased (Term.position indexes it)


def _find_dates(text: str) -> tuple[list[DateRef], str]:
    """Replace each date by a placeholder token (``qdateN``) so it keeps its position."""
    found: list[DateRef] = []

    def take(match: re.Match[str], order: str) -> str:
        groups = match.groups()
        if order == "iso":
            year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
        elif order == "dmy":
            day, month = int(groups[0]), _MONTHS[groups[1].lower()]
            year = int(groups[2]) if groups[2] else 0
        else:
            month, day = _MONTHS[groups[0].lower()], int(groups[1])
            year = int(groups[2]) if groups[2] else 0
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
        found.append(DateRef(year or None, month, day))
        return f" qdate{len(found) - 1} "

    text = _DATE_ISO.sub(lambda m: take(m, "iso"), text)
    text = _DATE_DMY.sub(lambda m: take(m, "dmy"), text)
    text = _DATE_MDY.sub(lambda m: take(m, "mdy"), text)
    return found, text


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Word tokens, each with whether it starts a sentence (where capitals prove nothing)."""
    out: list[tuple[str, bool]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0).replace("’", "'")
        before = text[: match.start()].rstrip()
        first = not before or before[-1] in ".!?:|\n*#-"
        low = token.lower()
        if low.endswith("n't"):
            base = {"won't": "will", "can't": "can", "shan't": "shall"}.get(low, token[:-3])
            out += [(base, first), ("not", False)]
        elif low == "cannot":
            out += [(token[:3], first), ("not", False)]
        elif "-" in token and not any(c.isdigit() for c in token):
            parts = [p for p in token.split("-") if p]
            out += [(p, first and i == 0) for i, p in enumerate(parts)]
        else:
            out.append((token, first))
    return out


def _number(token: str) -> float | None:
    if token[0].isdigit():
        if token.count(".") > 1:
            return None  # a version such as 3.8.2 is a name, not a quantity
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
            return float(token.replace(",", ""))
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            return float(token)
        return None
    value = _NUMBER_WORDS.get(token.lower())
    return float(value) if value is not None else None


def _is_entity(token: str, first: bool) -> bool:
    """Names and codes: capitalised words inside a sentence, acronyms, anything with a digit."""
    if not token[0].isalpha():
        return token.count(".") > 1  # versions
    if any(c.isdigit() for c in token):
        return True
    if len(token) > 1 and token.isupper():
        return True
    if any(c.isupper() for c in token[1:]):
        return True  # PeopleHub, LiFePO4
    return token[0].isupper() and not first and token.lower() not in _STOPWORDS


def extract_facts(text: str) -> Facts:
    """The facts ``text`` asserts; ``text`` should be one sentence or a short passage."""
    normalised = _COMPARATORS.sub(lambda m: f" {m.group(1)} than ", text)
    dates, rest = _find_dates(normalised)
    tokens = _tokens(rest)
    words = [t for t, _ in tokens]
    quantities: list[Quantity] = []
    entities: dict[str, None] = {}
    content: dict[str, str] = {}
    stems: set[str] = set()
    terms: list[Term] = []
    for i, (token, first) in enumerate(tokens):
        low = token.lower()
        if low.startswith("qdate") and low[5:].isdigit():
            terms.append(Term(stem=low, date=dates[int(low[5:])], position=i))
            continue
        value = _number(token)
        if value is not None and not (low == "one" and _followed_by_of(words, i)):
            quantity = _quantity(words, i, value)
            quantities.append(quantity)
            terms.append(Term(stem=str(quantity), quantity=quantity, position=i))
            continue
        if low in _MULTIPLIERS or token in _CURRENCY or low in ("%", "°"):
            continue
        s = stem(token)
        stems.add(s)
        is_entity = (
            _is_entity(token, first)
            or stem(token) in _VALUE_WORD_STEMS
            or (
                # A capitalised sentence opener followed by another capitalised word starts a
                # name: "Gold Care costs ...", "Calder Cells supplies ...".
                first
                and token[0].isupper()
                and low not in _STOPWORDS
                and i + 1 < len(tokens)
                and tokens[i + 1][0][0].isupper()
                and not tokens[i + 1][1]
            )
        )
        if is_entity:
            entities.setdefault(low, None)
        if (
            low not in _STOPWORDS
            and low.removesuffix("'s") not in _NEGATIONS
            and token[0].isalnum()
        ):
            if s not in content:
                content[s] = low.removesuffix("'s")
            terms.append(Term(stem=s, entity=is_entity, value=s in _VALUE_WORD_STEMS, position=i))
        elif s in POLAR:
            terms.append(Term(stem=s, position=i))
    return Facts(
        content=tuple(content),
        words=tuple(content.values()),
        tokens=tuple(t.lower() for t in words),
        stems=frozenset(stems),
        quantities=tuple(quantities),
        dates=tuple(dates),
        entities=tuple(entities),
        negations=_negation_count(rest),
        terms=tuple(terms),
    )


def _negation_count(text: str) -> int:
    """Negations the sentence asserts; those inside a condition ("if it does not arrive, ...",
    "expire if not used") set a premise, not the sentence's polarity."""
    asserted = _CONDITIONAL.sub(" ", text)
    return sum(
        1 for token, _ in _tokens(asserted) if token.lower().removesuffix("'s") in _NEGATIONS
    )


def states_exception(text: str) -> bool:
    """Whether the text carves out an exception ("unless the CFO approves", "except ...")."""
    return any(token.lower() in _EXCEPTIONS for token, _ in _tokens(text))


def states_restriction(text: str) -> bool:
    """Whether the text restricts its statement to something ("only the front lidar")."""
    return any(token.lower() in _RESTRICTIVE for token, _ in _tokens(text))


def states_condition(text: str) -> bool:
    """Whether the text qualifies its statement (a condition, exception, restriction, hedge)."""
    words = {token.lower() for token, _ in _tokens(text)}
    return bool(words & (_EXCEPTIONS | _RESTRICTIVE | _HEDGES | {"if", "when", "without"}))


def _followed_by_of(tokens: list[str], i: int) -> bool:
    """'one of them', 'one or more' use "one" as a pronoun, not a count."""
    return i + 1 < len(tokens) and tokens[i + 1].lower() in ("of", "or", "another")


def _quantity(tokens: list[str], i: int, value: float) -> Quantity:
    units: set[str] = set()
    if i > 0 and tokens[i - 1] in _CURRENCY:
        units.add(_CURRENCY[tokens[i - 1]])
    j = i + 1
    if j < len(tokens) and tokens[j].lower() in _MULTIPLIERS:
        value *= _MULTIPLIERS[tokens[j].lower()]
        j += 1
    # The first unit word within the next four tokens: "20 working days", "600 requests
    # per minute". A following number ends the search ("between 15% and 30%").
    for token in tokens[j : j + 4]:
        low = token.lower()
        if _number(token) is not None:
            break
        if low in _CURRENCY:
            units.add(_CURRENCY[low])
            continue
        s = low if not low.isalpha() else stem(low)
        if len(token) == 1 and token.isalpha():
            if token in _LETTER_UNITS:
                units.add(low)
                break
            continue
        if s in _UNIT_STEMS:
            units.add("%" if s == _PERCENT else s)
            if s not in ("$", "€", "£"):
                break
    return Quantity(value, frozenset(units))


def antonym_conflicts(claim: Facts, evidence: Facts) -> list[tuple[str, str]]:
    """Pairs (claim word, evidence word) where the evidence says the opposite and not the same."""
    conflicts: list[tuple[str, str]] = []
    for a, b in ANTONYMS:
        for mine, theirs in ((a, b), (b, a)):
            if mine in claim.stems and theirs in evidence.stems and mine not in evidence.stems:
                conflicts.append((_SURFACE[mine], _SURFACE[theirs]))
    return conflicts


def missing_quantities(claim: Facts, evidence: Facts) -> list[Quantity]:
    """The claim's quantities the evidence does not state."""
    return [q for q in claim.quantities if not any(q.matches(e) for e in evidence.quantities)]


def missing_dates(claim: Facts, evidence: Facts) -> list[DateRef]:
    """The claim's dates the evidence does not state."""
    return [d for d in claim.dates if not any(d.matches(e) for e in evidence.dates)]


def missing_entities(claim: Facts, evidence: Facts) -> list[str]:
    """The claim's names and codes that the evidence never mentions."""
    return [e for e in claim.entities if stem(e) not in evidence.stems]


def coverage(claim: Facts, evidence: Facts) -> float:
    """Share of the claim's content words found in the evidence (1.0 for a claim with none)."""
    if not claim.content:
        return 1.0
    return sum(1 for s in claim.content if s in evidence.stems) / len(claim.content)
