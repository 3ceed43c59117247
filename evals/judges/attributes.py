"""What kind of answer a question asks (an amount, a price, a duration, a date, a person ...)
and whether a passage states one (evals.judges.answerability checks it with the qualifiers of
evals.judges.questions).

English question words and framing only, no word list tied to one corpus.
"""

from __future__ import annotations

import re
from typing import Literal

from evals.judges.facts import facts_of, stem
from evals.judges.facts.quantities import CLOCK, MONEY

Attribute = Literal[
    "amount",
    "price",
    "count",
    "duration",
    "frequency",
    "date",
    "person",
    "yes/no",
    "procedure",
    "definition",
    "phone",
    "email",
    "link",
]

# "how big/far/heavy ..." ask for a measure, "how soon/quickly/late ..." for a time.
HOW_MEASURE = "big|large|small|far|fast|heavy|tall|wide|high|deep|old|strong|hot|cold|thick"
HOW_SOON = "soon|quickly|fast|early|late"
# Nouns that name a quantity: "what is the per-mile reimbursement rate", "at what age",
# "what is the most GSA will pay". A "what" question whose phrase ends in one wants a number.
_AMOUNT_NOUNS = (
    "rate|amount|cost|price|fee|fare|limit|cap|ceiling|maximum|minimum|max|min|most|least|"
    "percentage|budget|salary|wage|stipend|allowance|age"
)
# Up to five words between the question word and that noun ("is this year's TSP contribution").
_HEAD_WORDS = r"(?:'s|\s+[\w'$.-]+){0,5}?\s+"


def _superlative(adjective: str) -> str:
    """ "large" -> "largest", "big" -> "biggest", "early" -> "earliest", "long" -> "longest"."""
    if adjective.endswith("e"):
        return adjective + "st"
    if adjective.endswith("y"):
        return adjective[:-1] + "iest"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwy]", adjective):
        return adjective + adjective[-1] + "est"
    return adjective + "est"


# "What is the longest a detail can run", "the largest gap allowed": the extreme of a measure
# is the asked attribute (passages say "up to", "at most"), not a word the answer must hold.
_MEASURE_EXTREMES = frozenset(
    _superlative(a) for a in [*HOW_MEASURE.split("|"), "low"] if a != "far"
) | {"farthest", "furthest"}
EXTREMES = _MEASURE_EXTREMES | {
    _superlative(a) for a in ["long", "short", "soon", "early", "late", "fast"]
}
TIME_UNITS = frozenset(
    stem(u) for u in "second minute hour day week fortnight month quarter year decade night".split()
)
AUX = re.compile(
    r"^(?:is|are|am|was|were|can|could|do|does|did|may|might|must|should|shall|will|would|"
    r"has|have|had)\b",
    re.I,
)
_ROLE = re.compile(
    r"\b(?:\w+(?:er|or|ist|ant|ent)s?|team|office|staff|lead|head|chief|desk|department|"
    r"committee|board|group|person)\b",
    re.I,
)
# Money said in words, and periods the judge's units leave out ("5 nights", "3 hrs").
_MONEY_AMOUNT = re.compile(
    r"\b\d[\d,.]*\s*(?:dollars?|cents?|euros?|usd|eur)\b|\b(?:usd|eur)\s*\d", re.I
)
_SHORT_PERIOD = re.compile(r"\b\d+(?:\.\d+)?\s*(?:nights?|hrs?|mins?|wks?|yrs?)\b", re.I)
_TIME_OF_DAY = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\bnoon\b|\bmidnight\b", re.I
)
_WEEKDAY_OR_MONTH = re.compile(
    r"\b(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?|january|february|march|"
    r"april|june|july|august|september|october|november|december|annually|yearly|monthly|"
    r"weekly|daily|quarterly|biweekly)\b",
    re.I,
)
# Nouns that name a point in time: "what is the deadline", "what was the cutoff" ask a date.
DATE_NOUNS = "deadline|deadlines|cutoff|cut-off"
# "Before departure", "by the end of the quarter" say when, but no length of time: they answer
# a "when" question, not a "how long" one.
_RELATIVE_TIME = re.compile(r"\b(?:deadline|before|after|within|by the end)\b", re.I)


# "What's the simplest way to ...", "what is the process for ...": a procedure is asked; the
# frame's words ("simplest", "way") are not what it is about.
WAY_TO = re.compile(
    r"\bwhat(?:'s|’s|\s+is|\s+are)?\s+the\s+(?:(\w+)\s+)?(way|ways|process|procedure|steps)\s+"
    r"(?:to|for)\b",
    re.I,
)


def question_proper(question: str) -> str:
    """The asking sentence: context sentences before it ("I'm in Germany next week.") go.

    A question made of several sentences keeps the last one with a question mark or a
    question word, and any sentence after it.
    """
    parts = [p for p in re.split(r"(?<=[.!?])\s+", question.strip()) if p.strip()]
    if len(parts) <= 1:
        return question.strip()
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].rstrip().endswith("?"):
            return " ".join(parts[i:])
    return parts[-1]


# "How long must X be?", "how long can a name be": the length of a thing, not of a time.
_LENGTH = re.compile(
    r"\bhow long (?:must|should|can|may|does|do)\b[^?]*\bbe"
    r"(?:\s+at\s+(?:a\s+)?(?:minimum|maximum|least|most))?\s*\??\s*$"
)


# A condition or framing clause before the question ("If I travel on a Sunday, do I get comp
# time?", "When I move, how much is covered?", "As a contractor, can I ..."): what is asked is
# read from the clause after the comma when that one opens as a question does.
_LEAD_CLAUSE = re.compile(
    r"^(?:if|when|whenever|while|once|after|before|since|unless|as|for|during|in case)\b"
    r"[^,?]*,\s*(.+)$",
    re.I,
)
_OPENS_QUESTION = re.compile(
    rf"(?:{AUX.pattern[1:]}|(?:what|which|who|whom|whose|how|where|why|when)\b)", re.I
)


def main_clause(question: str) -> str:
    """``question`` without a condition clause before it (see _LEAD_CLAUSE)."""
    found = _LEAD_CLAUSE.match(question)
    if found and _OPENS_QUESTION.match(found.group(1)):
        return found.group(1)
    return question


def asked_attribute(question: str) -> Attribute:
    """What kind of answer the question wants, read from its question words.

    An amount asked of money ("how much is the fare", "what does a ride cost") is a price:
    only a sum of money, or "free", answers it. A condition clause before the question ("If I
    ..., do I ...?") does not say what is asked.
    """
    q = main_clause(question_proper(question).strip()).lower()
    attribute = _asked(q)
    # "How far ahead must I book to get the contract fares?" asks a measure, not the fare.
    measure = re.search(rf"\bhow (?:{HOW_MEASURE})\b", q)
    if attribute == "amount" and _MONEY_WORDS.search(q) and not measure:
        return "price"
    return attribute


# Words that ask for a sum of money (general English).
_MONEY_WORDS = re.compile(
    r"\b(?:costs?|fees?|fares?|prices?|priced|charged?|pay(?! period)|dollars|euros|"
    r"salary|stipend|per diem|reimburse(?:d|ment)?|expensive|cheap)\b"
)


# Contact details asked by name: "what's the phone number for ...", "is there a number to
# call", "which email address reaches ...", "what's the handle".
_ASKS_PHONE = re.compile(r"\b(?:phone|telephone|fax)\s+(?:number|no\.?)|\bnumber to call\b")
_ASKED_NOUN = r"\b(?:what|which)(?:'s|’s|\s+is|\s+are)?\s+(?:the\s+)?(?:[\w\-]+\s+){0,3}"
_ASKS_EMAIL = re.compile(rf"{_ASKED_NOUN}e-?mail(?:\s+address)?\b")
_ASKS_LINK = re.compile(rf"{_ASKED_NOUN}(?:url|web\s?address|website|web page|link|handle)\b")
_NAME_OF = re.compile(r"\bwhat(?:'s|’s|\s+is|\s+was)\s+the\s+(?:full\s+)?name\s+of\b")


def _asked(q: str) -> Attribute:
    if _ASKS_PHONE.search(q):
        return "phone"
    if not re.search(r"\bhow\b", q):
        if _ASKS_EMAIL.search(q):
            return "email"
        if _ASKS_LINK.search(q):
            return "link"
    if _NAME_OF.search(q):
        return "person"
    if _LENGTH.search(q):
        return "amount"  # "how long must the passcode be?" asks a length, in any measure
    if re.search(
        r"\bhow long\b|\bfor how many (?:days|weeks|months|years|hours|minutes)\b"
        r"|\bhow much (?:time|notice|lead time|advance notice)\b",
        q,
    ):
        return "duration"
    if re.search(r"\bhow many times\s+(?:a|an|per|each|every)\b", q):
        return "frequency"  # as "how often": "quarterly" answers it
    m = re.search(r"\bhow many\s+(\w+)(?:\s+(\w+))?", q)
    if m:
        # "how many working days", "how many regular hours": the unit may follow a modifier.
        counted = [w for w in m.groups() if w]
        if any(w in ("dollars", "euros", "cents") for w in counted):
            return "amount"  # "how many dollars" asks a sum of money (a price, below)
        return "duration" if any(stem(w) in TIME_UNITS for w in counted) else "count"
    if re.search(rf"\b(?:what|which)\b{_HEAD_WORDS}(?:longest|shortest)\b", q):
        return "duration"  # "what is the longest a detail can run"
    if re.search(
        rf"\bhow much\b|\b(?:what|which)\b{_HEAD_WORDS}(?:{_AMOUNT_NOUNS}|"
        rf"{'|'.join(sorted(_MEASURE_EXTREMES))})\b"
        r"|\bwhat percentage\b|\bin (?:dollars|euros|pounds|percent)\b",
        q,
    ):
        return "amount"
    if re.search(r"\bhow often\b", q):
        return "frequency"
    if re.search(r"\bhow (?:late|early)\b", q):
        return "date"  # "how late does the train run": a time of day, or a time ahead
    if re.search(rf"\bhow (?:{HOW_SOON})\b", q):
        return "duration"
    if re.search(rf"\bhow (?:{HOW_MEASURE})\b", q):
        return "amount"  # a measure: "how big", "how far", "how heavy" want a number
    if re.search(
        r"^when\b|\bwhen (?:do|does|did|is|are|was|will|can|must|should|may)\b"
        r"|\b(?:what|which) (?:date|time|day|weekday|month|year|hours)\b|\bby what\b"
        rf"|\b(?:{DATE_NOUNS})\b",
        q,
    ):
        return "date"
    if re.search(r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich (?:person|team|office|manager)\b", q):
        return "person"
    if re.search(r"\bhow (?:do|can|should|would|does)\b|\bwhat (?:steps|is the process)\b", q) or (
        WAY_TO.search(q)
    ):
        return "procedure"
    if AUX.match(q.lstrip("¿ ")):
        # "Is bike parking free?", "Does it cost anything?": a price answers it, or "no cost".
        return "amount" if _PRICE_WORDS.search(q) else "yes/no"
    return "definition"


_PRICE_WORDS = re.compile(r"\b(?:costs?|free|fees?|charged?|price)\b", re.I)
_NO_COST = re.compile(
    r"\b(?:free(?:\s+of\s+charge)?|(?:at\s+)?no\s+(?:additional\s+|extra\s+)?(?:cost|charge|fee)s?|"
    r"costs?\s+nothing|without\s+(?:cost|charge)|(?:do|does|will|would)(?:\s+not|n[’']t)\s+cost)\b",
    re.I,
)


def attribute_found(attribute: Attribute, evidence: str) -> bool:
    """Whether ``evidence`` states something of the asked kind."""
    facts = facts_of(evidence)
    if attribute in ("amount", "price") and _NO_COST.search(evidence):
        return True  # "guests are free", "at no cost to you": the amount is nothing
    if attribute == "price":
        # A sum of money ("$20", "20 dollars", "USD 20"), or a share of one ("8% of the list
        # price per year").
        return any(q.units & {*MONEY, "%"} for q in facts.quantities) or bool(
            _MONEY_AMOUNT.search(evidence)
        )
    if attribute == "count":
        # A number of things: not a price, a share, a length of time or a clock time.
        return any(not q.units & {*MONEY, "%", CLOCK, *TIME_UNITS} for q in facts.quantities)
    if attribute == "amount":
        return bool(facts.quantities)
    if attribute in ("duration", "frequency"):
        # A period, not a price or share per period ("$1,150 per robot per year"), nor a
        # count of things ("4 sessions"). ("How long must a password be?" asks an amount.)
        timed = any(
            q.units & TIME_UNITS and not q.units & {*MONEY, "%"} for q in facts.quantities
        ) or bool(_SHORT_PERIOD.search(evidence))
        found = timed or bool(_WEEKDAY_OR_MONTH.search(evidence)) or bool(facts.dates)
        # "At the end of each quarter", "after every sprint" say how often, not how long.
        return found or (attribute == "frequency" and bool(_RELATIVE_TIME.search(evidence)))
    if attribute == "date":
        return (
            bool(facts.dates)
            or bool(_TIME_OF_DAY.search(evidence))
            or any(CLOCK in q.units for q in facts.quantities)  # "opens at 08:00"
            or bool(_WEEKDAY_OR_MONTH.search(evidence))
            or bool(_RELATIVE_TIME.search(evidence))
            or any(u in TIME_UNITS for q in facts.quantities for u in q.units)
            or any(is_year(q.value) and not q.units for q in facts.quantities)  # "in 2016"
        )
    if attribute == "person":
        return bool(facts.entities) or bool(_ROLE.search(evidence))
    if attribute == "phone":
        return bool(_PHONE.search(evidence))
    if attribute == "email":
        return bool(_EMAIL.search(evidence))
    if attribute == "link":
        return bool(_LINK.search(evidence) or _EMAIL.search(evidence))
    return True


_PHONE = re.compile(
    r"(?<![\d.])\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}(?!\d)|\b1-8\d\d-[A-Z0-9-]{7,}\b"
)
_EMAIL = re.compile(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b")
# A web address, a path on a site, a handle or a channel.
_LINK = re.compile(
    r"https?://|\bwww\.|\b[\w\-]+\.(?:gov|com|org|net|io|edu|us)\b|(?<!\w)[@#][\w\-]{2,}"
)


def is_year(value: float) -> bool:
    """Whether a bare number reads as a year ("in 2016")."""
    return value.is_integer() and 1900 <= value <= 2100
