"""The qualifying words a question's answer must be about (evals.judges.answerability checks
them together with the asked attribute of evals.judges.attributes).

English question words and framing only, no word list tied to one corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise, zip_longest

from evals.judges.attributes import (
    AUX,
    DATE_NOUNS,
    EXTREMES,
    HOW_MEASURE,
    HOW_SOON,
    TIME_UNITS,
    WAY_TO,
    asked_attribute,
    is_year,
    question_proper,
)
from evals.judges.facts import facts_of, stem
from evals.judges.facts.words import IRREGULAR, STOPWORDS

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
    instead else now""".split()
)
_FRAME_STEMS = frozenset(stem(w) for w in _FRAME)


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
    inverted = next((i for i, t in enumerate(tokens) if AUX.match(t)), None)
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


# The nouns that name each kind of contact detail asked ("the phone number", "the web
# address"): a passage gives the detail without them ("call 555-0100").
_CONTACT_NOUNS = {
    "phone": "phone telephone fax number no".split(),
    "email": "email e-mail mail address".split(),
    "link": "url web website page link handle address".split(),
}
_OBJECT_STARTERS = frozenset("a an the my your our their its it them".split())
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
    measure = re.search(rf"\bhow ({HOW_MEASURE}|{HOW_SOON})\b", q.lower())
    skip |= {stem(measure.group(1))} if measure else set()
    # "Which day of the week ...", "in what year ...": the unit is the kind of answer asked.
    for asked in re.finditer(
        r"\b(?:what|which)\s+(day|weekday|week|month|year|date|time|hours)"
        r"(?:\s+of\s+(?:the\s+)?(day|week|month|year))?\b",
        q.lower(),
    ):
        skip |= {stem(unit) for unit in asked.groups() if unit}
    # "What is the deadline", "the cutoff for ...": the noun names the date asked, which a
    # passage states without it ("must be acknowledged by November 14").
    skip |= {stem(d.group(0)) for d in re.finditer(rf"\b(?:{DATE_NOUNS})\b", q.lower())}
    # "What's the phone number", "which email address", "the name of": the nouns name the
    # kind of answer asked, which a passage gives without them ("call 555-0100").
    skip |= {stem(w) for w in _CONTACT_NOUNS.get(asked_attribute(q), ())}
    if re.search(r"\bname\s+of\b", q.lower()):
        skip.add(stem("name"))
    # "How many times a year": the period is the frequency's unit, the kind of answer asked.
    times = re.search(r"\bhow many times\s+(?:a|an|per|each|every)\s+(\w+)", q.lower())
    skip |= {stem(times.group(1))} if times else set()
    way = WAY_TO.search(q)
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
        if _is_pronoun(word) or (word in verbs and word not in names) or word in EXTREMES:
            continue
        # Months, weekdays and periods are value words to the judge; here only real names
        # (capitalised, acronyms, codes) are strict.
        out.setdefault(word, (word in names and s not in TIME_UNITS) or s in rate_periods)
    for quantity in facts.quantities:
        if is_year(quantity.value) and not quantity.units:
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
