"""What a question asks: its asked attribute (an amount, a duration, a person ...) and the
qualifying words an answer must be about (evals.judges.answerability checks both).

English question words and framing only, no word list tied to one corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise, zip_longest
from typing import Literal

from evals.judges.facts import facts_of, stem
from evals.judges.facts.words import IRREGULAR, STOPWORDS

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
]

# Words that frame a question rather than qualify what it asks about (English, any corpus):
# question words, light verbs, and the prepositions and adverbs of place and comparison
# ("how far ahead of", "outside of the process"), which the passages say in other ways.
_FRAME = frozenset(
    """how many much long often soon far what which when who whom whose where why whether
    there get gets getting got receive need needs needed allow allowed able want know tell
    please question anyone someone something anything happen happens doe make go use used
    take taken give given work still ever usually typically normally actually really
    exactly currently right ok okay like just also apply applies mean means meaning meant
    stand stands above below ahead inside outside beyond behind beside toward towards rather
    instead else""".split()
)
_FRAME_STEMS = frozenset(stem(w) for w in _FRAME)
# "how big/far/heavy ..." ask for a measure, "how soon/quickly/late ..." for a time.
_HOW_MEASURE = "big|large|small|far|fast|heavy|tall|wide|high|deep|old|strong|hot|cold|thick"
_HOW_SOON = "soon|quickly|fast|early|late"
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
    _superlative(a) for a in [*_HOW_MEASURE.split("|"), "low"] if a != "far"
) | {"farthest", "furthest"}
_EXTREMES = _MEASURE_EXTREMES | {
    _superlative(a) for a in ["long", "short", "soon", "early", "late", "fast"]
}
TIME_UNITS = frozenset(
    stem(u) for u in "second minute hour day week fortnight month quarter year decade night".split()
)
_AUX = re.compile(
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
# "Before departure", "by the end of the quarter" say when, but no length of time: they answer
# a "when" question, not a "how long" one.
_RELATIVE_TIME = re.compile(r"\b(?:deadline|before|after|within|by the end)\b", re.I)


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


def asked_attribute(question: str) -> Attribute:
    """What kind of answer the question wants, read from its question words.

    An amount asked of money ("how much is the fare", "what does a ride cost") is a price:
    only a sum of money, or "free", answers it.
    """
    q = question_proper(question).lower()
    attribute = _asked(q)
    # "How far ahead must I book to get the contract fares?" asks a measure, not the fare.
    measure = re.search(rf"\bhow (?:{_HOW_MEASURE})\b", q)
    if attribute == "amount" and _MONEY_WORDS.search(q) and not measure:
        return "price"
    return attribute


# Words that ask for a sum of money (general English).
_MONEY_WORDS = re.compile(
    r"\b(?:costs?|fees?|fares?|prices?|priced|charged?|pay(?! period)|dollars|euros|"
    r"salary|stipend|per diem|reimburse(?:d|ment)?|expensive|cheap)\b"
)


def _asked(q: str) -> Attribute:
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
    if re.search(rf"\bhow (?:{_HOW_SOON})\b", q):
        return "duration"
    if re.search(rf"\bhow (?:{_HOW_MEASURE})\b", q):
        return "amount"  # a measure: "how big", "how far", "how heavy" want a number
    if re.search(
        r"^when\b|\bwhen (?:do|does|did|is|are|was|will|can|must|should|may)\b"
        r"|\b(?:what|which) (?:date|time|day|weekday|month|year|hours)\b|\bby what\b|\bdeadline\b",
        q,
    ):
        return "date"
    if re.search(r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich (?:person|team|office|manager)\b", q):
        return "person"
    if re.search(r"\bhow (?:do|can|should|would|does)\b|\bwhat (?:steps|is the process)\b", q) or (
        _WAY_TO.search(q)
    ):
        return "procedure"
    if _AUX.match(q.lstrip("¿ ")):
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
        return any(q.units & {"$", "€", "£", "%"} for q in facts.quantities) or bool(
            _MONEY_AMOUNT.search(evidence)
        )
    if attribute == "count":
        # A number of things: not a price, a share, a length of time or a clock time.
        return any(
            not q.units & {"$", "€", "£", "%", "oclock", *TIME_UNITS} for q in facts.quantities
        )
    if attribute == "amount":
        return bool(facts.quantities)
    if attribute in ("duration", "frequency"):
        # A period, not a price or share per period ("$1,150 per robot per year"), nor a
        # count of things ("4 sessions"). ("How long must a password be?" asks an amount.)
        timed = any(
            q.units & TIME_UNITS and not q.units & {"$", "€", "£", "%"} for q in facts.quantities
        ) or bool(_SHORT_PERIOD.search(evidence))
        found = timed or bool(_WEEKDAY_OR_MONTH.search(evidence)) or bool(facts.dates)
        # "At the end of each quarter", "after every sprint" say how often, not how long.
        return found or (attribute == "frequency" and bool(_RELATIVE_TIME.search(evidence)))
    if attribute == "date":
        return (
            bool(facts.dates)
            or bool(_TIME_OF_DAY.search(evidence))
            or any("oclock" in q.units for q in facts.quantities)  # "opens at 08:00"
            or bool(_WEEKDAY_OR_MONTH.search(evidence))
            or bool(_RELATIVE_TIME.search(evidence))
            or any(u in TIME_UNITS for q in facts.quantities for u in q.units)
            or any(_is_year(q.value) and not q.units for q in facts.quantities)  # "in 2016"
        )
    if attribute == "person":
        return bool(facts.entities) or bool(_ROLE.search(evidence))
    return True


def _is_year(value: float) -> bool:
    return value.is_integer() and 1900 <= value <= 2100


def _verbs(question: str) -> set[str]:
    """Words the question uses as verbs or adverbs: after a modal, an auxiliary, "to" or a
    subject pronoun ("when do they *expire*", "must I *submit*"), ending in -ly, or a past
    participle that ends its clause ("when is it *held*?", "does the card get *reloaded* on
    Mondays?"). They say what happens, which a passage words its own way; the nouns say what
    it is about. A participle before a noun qualifies it ("*advanced* sick leave") and stays."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'’\-]*", question.lower())
    verbs = {t for t in tokens if t.endswith("ly") and len(t) > 4}
    verbs |= {
        t
        for t, after in zip_longest(tokens, tokens[1:], fillvalue="")
        if _is_participle(t) and (not after or after in STOPWORDS)
    }
    # A gerund after "from", "before", "after", "without" or "while" is an action ("blocked
    # from *reusing*", "before *interviewing* a candidate"), not what the question is about.
    # ("For", "about" and "is" are left out: "the budget for *training*", "what is *onboarding*".)
    verbs |= {
        word
        for before, word in pairwise(tokens)
        if word.endswith("ing") and len(word) > 5 and before in _BEFORE_GERUND
    }
    # A word with an object after it acts: "who is *holding* a paid seat", "a limit for
    # *bringing* it in", "does the team *start* the renewal". Nouns rarely take a determiner
    # or an object pronoun right after them ("the budget for training the ..." is rare).
    verbs |= {
        word
        for word, after in pairwise(tokens)
        if after in _OBJECT_STARTERS and word not in STOPWORDS and len(word) > 2
    }
    # After a noun, "that" opens a relative clause whose first word is its verb: "the tag
    # that *shows* after my name". ("Is that form ..." has no noun before it.)
    verbs |= {
        word
        for before, that, word in zip(tokens, tokens[1:], tokens[2:], strict=False)
        if that == "that" and before not in STOPWORDS and word not in STOPWORDS
    }
    # A question puts its first auxiliary before the subject: "must *domestic* travel be
    # approved", "do *contractors* get". What follows it is the subject, not a verb; unless
    # "who" is the subject itself: "who can *put* in the request".
    inverted = next((i for i, t in enumerate(tokens) if _AUX.match(t)), None)
    if inverted == 1 and tokens[0] == "who":
        inverted = None
    for i, (before, word) in enumerate(pairwise(tokens)):
        if before in _VERB_OPENERS and i != inverted:
            verbs.add(word)
    # "What does X mean?", "How long does the warranty last?": after a wh-word and do/does/did
    # the subject comes first and the question ends on its verb.
    if len(tokens) > 3 and tokens[1] in {"do", "does", "did"}:
        verbs.add(tokens[-1])
    # A phrasal verb's particle closes the question: "when did it *come* out", "where do I
    # *sign* up".
    if len(tokens) > 3 and tokens[-1] in _PARTICLES:
        verbs.add(tokens[-2])
    # Causatives put a bare verb after their object: "makes a robot raise", "lets staff take".
    for i, word in enumerate(tokens[:-2]):
        if word in _CAUSATIVES:
            rest = tokens[i + 1 : i + 4]
            rest = rest[1:] if rest and rest[0] in {"a", "an", "the", "my", "our", "your"} else rest
            if len(rest) >= 2:
                verbs.add(rest[1])
    return verbs


_OBJECT_STARTERS = frozenset("a an the my your our their its it them".split())
# "What's the simplest way to ...", "what is the process for ...": a procedure is asked; the
# frame's words ("simplest", "way") are not what it is about.
_WAY_TO = re.compile(
    r"\bwhat(?:'s|’s|\s+is|\s+are)?\s+the\s+(?:(\w+)\s+)?(way|ways|process|procedure|steps)\s+"
    r"(?:to|for)\b",
    re.I,
)
_CAUSATIVES = frozenset("make makes made let lets".split())
_BEFORE_GERUND = frozenset("from before after without while".split())
_PARTICLES = frozenset("out up off down back away".split())


def _is_participle(word: str) -> bool:
    """A regular past participle ("reloaded", "approved") or an irregular one ("held")."""
    regular = len(word) > 4 and word.endswith("ed") and not word.endswith("eed")  # not "speed"
    return regular or word in IRREGULAR


_VERB_OPENERS = frozenset(
    """to do does did can could may might must should would will shall i we you they it he
    she don't doesn't didn't can't won't i'm""".split()
)


def _is_pronoun(word: str) -> bool:
    return word == "i" or word.startswith(("i'", "i’"))


def qualifiers(question: str) -> list[tuple[str, bool]]:
    """The question's qualifying words as written, each with whether it is a name.

    Stop words, question framing ("how many", "get", "need"), the asked unit ("days" in
    "how many days") and verbs (see ``_verbs``) are left out; numbers stay (a year or a model
    number qualifies).
    """
    q = question_proper(question)
    facts = facts_of(q)
    names = {e for e in facts.entities if not _is_pronoun(e)}
    unit = re.search(r"\bhow many\s+(\w+)(?:\s+(\w+))?", q.lower())
    skip = {stem(unit.group(1))} if unit else set()
    # "How many working days": a period after a modifier is the asked unit too.
    if unit and unit.group(2) and stem(unit.group(2)) in TIME_UNITS:
        skip.add(stem(unit.group(2)))
    # "how big", "how soon": the adjective is the asked attribute, not a qualifier.
    measure = re.search(rf"\bhow ({_HOW_MEASURE}|{_HOW_SOON})\b", q.lower())
    skip |= {stem(measure.group(1))} if measure else set()
    # "Which day of the week ...", "in what year ...": the unit is the kind of answer asked.
    for asked in re.finditer(
        r"\b(?:what|which)\s+(day|weekday|week|month|year|date|time|hours)"
        r"(?:\s+of\s+(?:the\s+)?(day|week|month|year))?\b",
        q.lower(),
    ):
        skip |= {stem(unit) for unit in asked.groups() if unit}
    # "How many times a year": the period is the frequency's unit, the kind of answer asked.
    times = re.search(r"\bhow many times\s+(?:a|an|per|each|every)\s+(\w+)", q.lower())
    skip |= {stem(times.group(1))} if times else set()
    way = _WAY_TO.search(q)
    skip |= {stem(w.lower()) for w in way.groups()[:2] if w} if way else set()
    verbs = _verbs(q)
    # "How many hours can one donate *per year*?": the period of a rate is what the number is
    # counted over; a number over another period (or none) does not answer.
    # ("A minute late", "a week before" say when, not over what period: "a" and "an" count only
    # where a number is asked.)
    numeric = asked_attribute(q) in ("amount", "price", "count", "duration", "frequency")
    rate_periods = {
        stem(m.group(2))
        for m in re.finditer(r"\b(per|a|an|each|every)\s+(\w+)", q.lower())
        if stem(m.group(2)) in TIME_UNITS
        and stem(m.group(2)) not in skip
        and (m.group(1) not in ("a", "an") or (numeric and m.group(2) != "second"))
    }
    out: dict[str, bool] = {}
    for s, word in zip(facts.content, facts.words, strict=True):
        if s in _FRAME_STEMS or s in skip or word in STOPWORDS or len(word) < 2:
            continue
        if len(word) == 2 and word not in names:
            continue  # two letters that are no name: a split prefix ("re-staffed")
        if _is_pronoun(word) or (word in verbs and word not in names) or word in _EXTREMES:
            continue
        # Months, weekdays and periods are value words to the judge; here only real names
        # (capitalised, acronyms, codes) are strict.
        out.setdefault(word, (word in names and s not in TIME_UNITS) or s in rate_periods)
    for quantity in facts.quantities:
        if _is_year(quantity.value) and not quantity.units:
            out.setdefault(f"{quantity.value:g}", True)  # a year names one specific year
    # A question that points back to a place ("add them as guests *there*") asks about what
    # its context named: those names are its qualifiers too. (Pointing back with "that" or "it"
    # lost more answers on the design questions than it caught near misses.)
    context = question.strip()[: len(question.strip()) - len(q)]
    if context and _POINTS_BACK.search(q):
        for name in facts_of(context).entities:
            if not _is_pronoun(name) and name not in STOPWORDS and len(name) > 1:
                out.setdefault(name, True)
    return list(out.items())


# "Add them as guests *there*": the question's place is its context's. ("Is there ..." is no
# pointer: it says that something exists.)
_POINTS_BACK = re.compile(
    r"(?<!\bis\s)(?<!\bare\s)(?<!\bwas\s)(?<!\bwere\s)(?<!\bbe\s)\bthere\b"
    r"(?!\s+(?:is|are|be|was|were)\b)",
    re.I,
)


def modified_heads(question: str, wanted: Sequence[tuple[str, bool]]) -> dict[str, str]:
    """Each common qualifier that modifies the word after it, with that word's stem:
    "domestic" -> "travel" in "must domestic travel be approved"."""
    tokens = facts_of(question_proper(question)).tokens
    common = {w for w, named in wanted if not named}
    heads: dict[str, str] = {}
    for word, after in pairwise(tokens):
        if word in common and after.isalpha() and after not in STOPWORDS:
            heads.setdefault(word, stem(after))
    return heads
