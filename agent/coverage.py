"""Do the retrieved passages mention what the question asks about?

Relevance (embedding similarity) says a passage is on the topic; it cannot tell "the S6's
payload" from "the S9's payload", or "our travel policy" from "our revenue". Two cheap checks
on the question's own words catch most in-domain questions the documents cannot answer:
a specific identifier (a token with a digit such as S9, E-999, 2023, or an acronym such as
ERP) that no retrieved passage contains, or most of the question's content words missing
(when the answerability check abstains, three or more of them: one or two may be worded
otherwise, which that check judges).
A name most of the caller's documents mention (the company's own, its agency's) is not a
content word: finding it in a passage says nothing about whether the passage answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evals.judges.attributes import question_proper
from evals.judges.facts import facts_of
from evals.judges.facts.quantities import parse_number
from evals.judges.facts.ranges import asked_values, states_value
from evals.judges.questions import qualifiers
from tools.rag import Source

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_STOP = frozenset(
    """a an the of to in on at for and or is are was be by with what which who whom how when
    where does do did can may i we our you your it its this that as from per if my me much many
    long there have has get got need must should would could will not no any all than then so
    into about after before under over up out more most less first last next new whose their
    they them he she his her us am were been being company""".split()
)
# Acronyms common enough in questions that their absence from a passage says nothing.
_COMMON_ACRONYMS = frozenset("FAQ API PDF USB URL PC DC AC US USA UK EU HR IT OK".split())
# Above this share of missing content words the passages are about something else...
MAX_MISSING_SHARE = 0.65
# ... when at least this many are missing, if the answerability check abstains (agent
# setting ``answerability``): fewer may be worded another way ("at least 14 characters" for
# "minimum length"), and that check, which matches words softly, decides those once the
# answer is drafted. When it only reports, this check is the last gate and one is enough.
MIN_MISSING_ABSTAINING = 3


@dataclass(frozen=True)
class Coverage:
    """Which of the question's terms no retrieved passage contains."""

    terms: tuple[str, ...]
    missing: tuple[str, ...]
    missing_identifiers: tuple[str, ...]
    min_missing: int = 1  # fewer missing words than this are always covered
    # The question's codes and acronyms a source mentions (not bare numbers, nor the corpus's
    # own names: its agency, its company): an embedding cannot read a code or an acronym
    # ("What's OTCRM?" scores 0.26 against the passage that spells it out), so a passage
    # naming it is relevant.
    named: tuple[str, ...] = ()

    @property
    def names_what_is_asked(self) -> bool:
        """Whether a source names an identifier of the question and none is missing."""
        return bool(self.named) and not self.missing_identifiers

    @property
    def covered(self) -> bool:
        if self.missing_identifiers:
            return False
        if not self.terms or len(self.missing) < self.min_missing:
            return True
        return len(self.missing) / len(self.terms) <= MAX_MISSING_SHARE

    def describe(self) -> str:
        if self.missing_identifiers:
            return f"no source mentions {', '.join(self.missing_identifiers)}"
        return f"no source mentions {', '.join(self.missing)}"


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > 4:
            return word[: -len(suffix)]
    return word


def is_identifier(term: str) -> bool:
    """A model number, code, year or acronym: a term that names one specific thing."""
    if any(ch.isdigit() for ch in term):
        return True
    return term.isupper() and len(term) >= 3 and term not in _COMMON_ACRONYMS


def _names_one_thing(term: str) -> bool:
    """An identifier with a letter (a code, an acronym): a bare number or a year is mentioned
    by many passages about other things."""
    return is_identifier(term) and any(ch.isalpha() for ch in term)


def _held_in_bands(
    question: str, missing: tuple[str, ...], sources: Sequence[Source]
) -> tuple[str, ...]:
    """``missing`` less the numbers of the question's values that a source holds in a band:
    "after 10 years" is covered by a row that reads "6 years or more"."""
    values = asked_values(question)
    texts = [facts_of(s.result.text) for s in sources]
    held = {q.value for q in values if any(states_value(facts, q) for facts in texts)}
    return tuple(t for t in missing if _number(t) not in held)


def _number(term: str) -> float | None:
    """The number a term writes, alone or before its unit ("10", "4-day")."""
    return parse_number(term.split("-", 1)[0])


def _no_corpus(_name: str) -> bool:
    return False


def coverage(
    question: str,
    sources: Sequence[Source],
    corpus_name: Callable[[str], bool] = _no_corpus,
    *,
    abstaining: bool = False,
) -> Coverage:
    """The question's content terms and which of them the sources never mention.

    ``corpus_name(term)`` says whether a capitalised term is a name most of the caller's
    documents mention (indexes/terms.document_share); such terms are left out.
    ``abstaining``: the answerability check abstains after drafting, so one or two words the
    passages word otherwise are left to it (MIN_MISSING_ABSTAINING).
    """
    seen: set[str] = set()
    for s in sources:
        r = s.result
        for w in _TOKEN.findall(f"{r.title} {r.section} {r.text}"):
            # "COVID-19" mentions COVID, "e-mail" mentions mail: the parts count too.
            seen.update(_stem(p) for p in (w, *w.split("-")) if p)
    # Only what the question asks about counts: its identifiers, and its qualifiers as the
    # answerability check reads them (evals/judges/questions.py), so question framing ("what
    # exactly", "how long") and verbs ("makes a robot raise") are never required of a passage.
    asked = {w for w, _ in qualifiers(question)}

    def is_asked(token: str) -> bool:
        lowered = token.lower()
        return lowered in asked or all(p in asked for p in lowered.split("-") if p)

    candidates = dict.fromkeys(
        w
        for w in _TOKEN.findall(question_proper(question))
        if len(w) > 1 and w.lower() not in _STOP and (is_identifier(w) or is_asked(w))
    )
    terms = tuple(
        w for w in candidates if not (w[0].isupper() and not is_identifier(w) and corpus_name(w))
    )
    missing = tuple(t for t in terms if _stem(t) not in seen)
    if any(_number(t) is not None for t in missing):
        missing = _held_in_bands(question, missing, sources)
    return Coverage(
        terms,
        missing,
        tuple(t for t in missing if is_identifier(t)),
        MIN_MISSING_ABSTAINING if abstaining else 1,
        tuple(t for t in terms if _names_one_thing(t) and t not in missing and not corpus_name(t)),
    )
