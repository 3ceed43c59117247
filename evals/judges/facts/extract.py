"""What a sentence asserts, in comparable form: its content words, quantities, dates, names
and polarity, in reading order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from evals.judges.facts.dates import DateRef, replace_dates
from evals.judges.facts.names import VALUE_WORD_STEMS, is_name, spelled_names
from evals.judges.facts.polarity import POLAR, bound_comparisons, count_negations, is_negation
from evals.judges.facts.quantities import (
    CLOCK,
    Quantity,
    Total,
    is_quantity_word,
    one_is_a_pronoun,
    parse_number,
    read_quantity,
    totals,
)
from evals.judges.facts.restate import restate_quantities
from evals.judges.facts.words import STOPWORDS, stem, tokenize


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
    totals: tuple[Total, ...] = ()  # "two 15-minute breaks": 30 minutes, stated by counting
    spelled: tuple[tuple[str, frozenset[str]], ...] = ()  # ("oa", {"office", "acquisition"})


def _is_content_word(token: str) -> bool:
    low = token.lower()
    return low not in STOPWORDS and not is_negation(token) and token[0].isalnum()


# A clock time (restated on the 24-hour clock) is one value: "16:30" is half past four in the
# afternoon, not the numbers 16 and 30 ("4:00 p.m." is not backed by an "8:00" and a "4:30").
_CLOCK_TIME = re.compile(r"(?<![\d.:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")


def _one_clock_value(match: re.Match[str]) -> str:
    return f" {int(match.group(1)) + int(match.group(2)) / 60:.4g} {CLOCK} "


def extract_facts(text: str) -> Facts:
    """The facts ``text`` asserts; ``text`` should be one sentence or a short passage."""
    dates, restated = replace_dates(bound_comparisons(restate_quantities(text)))
    rest = _CLOCK_TIME.sub(_one_clock_value, restated)
    tokens = tokenize(rest)
    words = [t for t, _ in tokens]
    quantities: list[Quantity] = []
    entities: dict[str, None] = {}
    content: dict[str, str] = {}
    stems: set[str] = set()
    terms: list[Term] = []
    for i, (token, _) in enumerate(tokens):
        low = token.lower()
        if low.startswith("qdate") and low[5:].isdigit():
            terms.append(Term(stem=low, date=dates[int(low[5:])], position=i))
            continue
        value = parse_number(token)
        if value is not None and not (
            low in ("one", "once", "single") and one_is_a_pronoun(words, i)
        ):
            quantity = read_quantity(words, i, value)
            quantities.append(quantity)
            terms.append(Term(stem=str(quantity), quantity=quantity, position=i))
            continue
        if is_quantity_word(token):
            continue
        s = stem(token)
        stems.add(s)
        named = is_name(tokens, i)
        if named:
            entities.setdefault(low, None)
        if _is_content_word(token):
            if s not in content:
                content[s] = low.removesuffix("'s")
            terms.append(Term(stem=s, entity=named, value=s in VALUE_WORD_STEMS, position=i))
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
        negations=count_negations(rest),
        terms=tuple(terms),
        totals=totals(restated),
        spelled=spelled_names(tokens),
    )


# The offline judge reads the same claims and premise sentences many times over (clauses,
# units, their neighbourhoods); Facts are frozen, so one shared memo serves every caller.
facts_of = lru_cache(maxsize=65536)(extract_facts)
