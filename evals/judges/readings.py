"""How one window of a cited passage holds what a question asks: the reading that the
answerability check (evals/judges/answerability.py) decides on.

A window is a few adjacent sentences of one passage (``windows``), read with the passage's
title, section and file name. Its reading says whether its sentences state the asked attribute
and how well it holds each qualifier of the question: 1.0 for the word itself, else the
similarity of its closest word. The reading does not depend on the thresholds, so one reading
serves every threshold (bench/trust.py fits them over recorded readings).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import numpy as np

from evals.judges.attributes import TIME_UNITS, Attribute, asked_attribute, attribute_found
from evals.judges.facts import Facts, facts_of, stem
from evals.judges.facts.ranges import (
    asked_values,
    required_values,
    states_value,
    value_as_written,
    values_missing,
)
from evals.judges.facts.words import STOPWORDS
from evals.judges.passages import Evidence, Window, windows
from evals.judges.questions import modified_heads, qualifiers

WordVectors = Callable[[Sequence[str]], Mapping[str, np.ndarray]]

# Fitted on the sample company's suite (answerable items and its near-miss items) by
# ``python -m bench.trust --fit`` (2026-12-03); bench/results/trust.json has the figures.
CLOSE_WORD = 0.70  # a question word this similar to an evidence word is "found"
MAX_MISSING_COMMON = 1  # common (not named) qualifiers allowed missing
RARE_SHARE = 0.01  # see Thresholds
WINDOW = 2  # adjacent sentences the asked attribute and the qualifiers must be found within
# A name at least this share of the documents mention names the corpus itself (its company,
# its agency), not one thing in it: "Does Quillmark reimburse ..." asks about reimbursement.
CORPUS_NAME_SHARE = 0.5


_CACHE: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_CACHE_SIZE = 50_000


def cached_word_vectors(embed: Callable[[list[str]], Any], name: str) -> WordVectors:
    """Word vectors from ``embed`` (normalised), memoised across calls for the model ``name``."""

    def vectors(words: Sequence[str]) -> Mapping[str, np.ndarray]:
        todo = list(dict.fromkeys(w for w in words if (name, w) not in _CACHE))
        if todo:
            for word, vector in zip(todo, embed(todo), strict=True):
                v = np.asarray(vector, dtype=np.float32)
                _CACHE[(name, word)] = v / max(float(np.linalg.norm(v)), 1e-9)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return {w: _CACHE[(name, w)] for w in words}

    return vectors


def content_words(*read: Facts) -> list[str]:
    """Every form of every content word of ``read``, once each: the words a question word is
    compared with. Not one form per stem: "abroad" is close to "internationally" (0.81) and
    much less to "international" (0.64), and a window may hold both."""
    tokens = (t for facts in read for t in (*facts.words, *facts.tokens))
    return [t for t in dict.fromkeys(tokens) if t.isalpha() and t not in STOPWORDS]


def as_written(word: str, text: str) -> str:
    """``word`` as ``text`` spells it (facts are read lowercased)."""
    found = re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE)
    return found.group(0) if found else word


@dataclass(frozen=True)
class Thresholds:
    """When a window answers (fitted on the sample company by ``python -m bench.trust --fit``).

    ``close_word``: a question word this similar to a window word is found there.
    ``max_missing_common``: common (not named) qualifiers a window may lack.
    ``rare_share``: ... unless fewer than this share of the corpus's documents use the word:
    a qualifier the documents hardly ever use names what they do not cover ("sabbatical"
    where they cover vacation and parental leave), however close a word of the window is.
    """

    close_word: float = CLOSE_WORD
    max_missing_common: int = MAX_MISSING_COMMON
    rare_share: float = RARE_SHARE


@dataclass(frozen=True)
class Reading:
    """One window of a cited passage: whether it states the asked attribute, how well it holds
    each qualifier (1.0 = the word itself, else the closest word's similarity), and each common
    qualifier's share of the corpus's documents. None of it depends on the thresholds, so one
    reading serves every threshold (bench/trust.py)."""

    window: str
    attribute_found: bool
    support: dict[str, float]
    shares: dict[str, float] = field(default_factory=dict)
    quote: tuple[str, ...] = ()  # the window as an answer would quote it (see ``Window``)
    listed: int = 0  # items the window lists whole after its lead-in (see ``Window``)
    # qualifier -> the word the window has in its place ("international" for "domestic" in
    # "domestic travel"): the window is about a sibling of what was asked
    rivals: dict[str, str] = field(default_factory=dict)
    # The values the question names ("after five years") that the window neither states nor
    # holds in a band, of units its passage gives values in (``required_values``): a row for
    # another case ("Less than 3 years") answers another question.
    values_missing: tuple[str, ...] = ()
    values_stated: int = 0  # the question's values the window states or holds in a band

    def missing(
        self, wanted: Sequence[tuple[str, bool]], close_word: float
    ) -> tuple[list[str], list[str]]:
        """(names missing, common qualifiers missing) at ``close_word``."""
        named = [w for w, is_name in wanted if is_name and self.support[w] < 1.0]
        common = [w for w, is_name in wanted if not is_name and self.support[w] < close_word]
        return named, common

    def holds_any(self, wanted: Sequence[tuple[str, bool]], limits: Thresholds) -> bool:
        """Whether the window holds at least one qualifier (a sibling in its place is none)."""
        named, common = self.missing(wanted, limits.close_word)
        lacking = {*named, *common, *self.rivals}
        return any(w not in lacking for w, _ in wanted)

    def answers(self, wanted: Sequence[tuple[str, bool]], limits: Thresholds) -> bool:
        named, common = self.missing(wanted, limits.close_word)
        rare = [w for w in common if self.shares.get(w, 1.0) < limits.rare_share]
        return (
            self.attribute_found
            and not self.values_missing
            and not named
            and not rare
            and not self.rivals
            and len(common) <= limits.max_missing_common
        )


def read_evidence(
    question: str,
    evidence: Sequence[Evidence],
    vectors: WordVectors | None = None,
    *,
    window: int = WINDOW,
    share: Callable[[str], float] | None = None,
) -> list[Reading]:
    """A reading of every window of every passage (see ``windows``), each with its passage's
    title, section and file name.

    ``share(word)`` is the share of the corpus's documents that use ``word``: a name no
    passage has counts as found when it names the corpus itself (``CORPUS_NAME_SHARE``), and
    a common qualifier's share tells whether the documents use it at all (``rare_share``).
    Without ``share`` every name must be in the window and no word counts as rare.
    """
    attribute = asked_attribute(question)
    wanted = qualifiers(question)
    # A yes/no question may name a value to hear that another one holds ("Can I carry over
    # 8 days?" is answered by "up to 5 days").
    values = () if attribute == "yes/no" else asked_values(question)
    anywhere = facts_of(" ".join(e.full for e in evidence)).stems
    own_name = {
        w
        for w, named in wanted
        if named and stem(w) not in anywhere and share is not None and share(w) >= CORPUS_NAME_SHARE
    }
    heads = modified_heads(question, wanted)
    readings: list[Reading] = []
    for e in evidence:
        if not e.text.strip():
            continue
        place = facts_of(e.place)
        required = required_values(facts_of(e.text), values) if values else ()
        for w in windows(e, window):
            reading = _read(attribute, wanted, w, place, vectors, own_name)
            # Siblings are read in the sentences: a heading glued to them makes pairs no one
            # wrote ("4.2 Manual speed" gives "top speed" a rival over a sentence that answers).
            rivals = _rivals_in(w.stated, heads, reading.support)
            stated = facts_of(w.stated)
            readings.append(
                replace(
                    reading,
                    quote=w.quote,
                    rivals=rivals,
                    listed=w.listed,
                    values_missing=tuple(
                        value_as_written(q, question) for q in values_missing(stated, required)
                    ),
                    values_stated=sum(states_value(stated, q) for q in values),
                )
            )
    if share is None or not readings:
        return readings
    # Only words some window lacks need their share (one database probe each, in the agent).
    lacking = {w for r in readings for w, named in wanted if not named and r.support[w] < 1.0}
    shares = {w: share(w) for w in sorted(lacking)}
    return [replace(r, shares=shares) for r in readings]


def holds_nothing(
    wanted: Sequence[tuple[str, bool]], readings: Sequence[Reading], limits: Thresholds
) -> bool:
    """Whether no window holds any of the question's qualifiers ``wanted``: the passages are
    about something else altogether (``AnswerCheck.found_nothing``)."""
    return bool(wanted) and not any(r.holds_any(wanted, limits) for r in readings)


def best_reading(
    wanted: Sequence[tuple[str, bool]], readings: Sequence[Reading], limits: Thresholds
) -> Reading | None:
    """The window that answers the question whose qualifiers are ``wanted``, or failing that
    the one that comes closest."""
    if not readings:
        return None

    def rank(r: Reading) -> tuple[bool, int, int, int, bool, float, int]:
        named, common = r.missing(wanted, limits.close_word)
        return (
            r.answers(wanted, limits),
            -len(r.values_missing),
            -len(named),
            -len(common),
            r.attribute_found,
            sum(r.support.values()),
            -len(r.window),  # the shortest window that does as well
        )

    return max(readings, key=rank)


def _rivals_in(text: str, heads: Mapping[str, str], support: Mapping[str, float]) -> dict[str, str]:
    """Qualifiers the window lacks whose head it has with another modifier: asked about
    "domestic travel", the window says "international travel"."""
    tokens = facts_of(text).tokens
    rivals: dict[str, str] = {}
    for word, head in heads.items():
        if support.get(word, 0.0) >= 1.0:
            continue
        for before, token in pairwise(tokens):
            if (
                stem(token) == head
                and before.isalpha()
                and before not in STOPWORDS
                and stem(before) != stem(word)
                and not _adverb(before)
            ):
                rivals[word] = before
                break
    return rivals


def _adverb(word: str) -> bool:
    """An -ly word that is no adjective of time ("usually", not "weekly" or "daily"): it
    modifies a verb, so it is no sibling of a noun's modifier ("usually close")."""
    last = word.rsplit("-", 1)[-1]  # "bi-weekly" is "weekly"
    return last.endswith("ly") and last != "daily" and stem(last[:-2]) not in TIME_UNITS


def _read(
    attribute: Attribute,
    wanted: Sequence[tuple[str, bool]],
    window: Window,
    place: Facts,
    vectors: WordVectors | None,
    own_name: set[str],
) -> Reading:
    """How far one window (with its passage's place: title, section, file) answers: the
    qualifiers may be anywhere in it or its place, the asked attribute only in what its
    sentences state."""
    facts = facts_of(window.text)
    have = (
        set(facts.stems)
        | set(place.stems)
        | {str(q.value).removesuffix(".0") for q in (*facts.quantities, *place.quantities)}
        # "COVID-19" names COVID, "hour-long" says hour: a hyphenated word's parts count.
        | {stem(p) for w in (*facts.words, *place.words) if "-" in w for p in w.split("-") if p}
        # "BD" names "Business Development", "SF" "San Francisco": a spelled-out name answers
        # for its acronym.
        | {stem(a) for a, _ in (*facts.spelled, *place.spelled)}
    )
    words = content_words(facts, place)
    support: dict[str, float] = {}
    for word, _ in wanted:
        support[word] = 1.0 if stem(word) in have or word in have or word in own_name else 0.0
    # A name the question writes in two words and the passage in one ("HR Links", "HRLinks").
    for (first, named), (second, named_too) in pairwise(wanted):
        if named and named_too and first + second in {*facts.words, *place.words}:
            support[first] = support[second] = 1.0
    unresolved = [w for w, named in wanted if support[w] < 1.0 and not named and w.isalpha()]
    if unresolved and words and vectors is not None:
        table = vectors([*unresolved, *words])
        matrix = np.stack([table[w] for w in words])
        for word in unresolved:
            support[word] = round(float(np.max(matrix @ table[word])), 3)
    # "How many blogs can I publish to?" is answered by the list of them, counted.
    found = attribute_found(attribute, window.stated) or (
        attribute == "count" and window.listed > 1
    )
    return Reading(window.text, found, support)
