"""Extractive answers: the sentences of the retrieved passages that best answer the question,
quoted with their ``[n]``.

This is the verify step's repair when generation is not supported by the sources, and the whole
answer when generation is off. Quoting is grounded by construction; sentences that look like
instructions to the assistant (a planted injection) are never quoted. How a passage splits into
quotable units is agent/passage_units.py; this module scores and quotes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.guard import looks_like_injection
from agent.passage_units import FIELD_LINE, read_units
from evals.citations import strip_markers
from evals.judges.attributes import Attribute, attribute_found
from evals.judges.attributes import asked_attribute as judged_attribute
from evals.judges.facts import facts_of
from evals.judges.facts.ranges import states_value
from indexes.embeddings import Embedder
from indexes.search.features import content_words, identifiers, names
from tools.rag import Source

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
_STOP = frozenset(
    "a an the of to in on at for and or is are was be by with what which who how when where "
    "does do did can may i we our you your it its this that as from per".split()
)
MIN_WORDS = 4
# Words as a reader counts them: a record field's key is words joined by "_"
# ("list_price_usd: 109000" says four things, not two).
_READ_WORD = re.compile(r"[^\W_]+")
# A fragment quoted must hold at least this many words the question does not (see echoes in
# candidates).
ECHO_NEW_WORDS = 2
# Weight of the asked attribute in a sentence's score: enough to lift the sentence holding the
# asked number or code over one that only shares the question's words.
ATTRIBUTE_WEIGHT = 0.15
# Weight of the passage's search rank (1 / rank) in a sentence's score: the search ranks by
# identifiers, BM25 and sentence runs what a sentence's own cosine cannot see, so among
# sentences that score alike the one from the passage ranked first is quoted. Chosen on the
# design questions (sample company, 18F sets A and B) from 0, 0.1 and 0.25 in one run: right
# file and section 0.743 -> 0.757 (A) and 0.667 -> 0.700 (B), the sample unchanged; 0.25 lost
# B. A later run read B at 0.650: on B the effect is within the spread between runs.
RANK_WEIGHT = 0.1
# Weight of stating a value the question names ("after five years", "at 1 m/s"), or a band
# that holds it ("3 to less than 6 years"): the rows of one table read alike, and only this
# tells the asked row from its neighbours. As ATTRIBUTE_WEIGHT, set a priori.
VALUE_WEIGHT = 0.15
# Taken off the score of a sentence of a worked example (read_units), unless the question
# asks about an example: the case's figures ("you can request up to 56 hours") answer the
# question only for that case, and the rule beside it is what a reader needs. As
# ATTRIBUTE_WEIGHT, set a priori and measured on the trust sets (docs/benchmarks.md).
EXAMPLE_WEIGHT = 0.15
# "how many days", "how much", "how long", ...: the question asks for a quantity, and the
# sentence that answers it holds a number (English question grammar, not corpus words).
_QUANTITY = re.compile(
    r"\bhow\s+(many|much|long|often|far|old|soon|fast|quickly|big|large|high|heavy|wide)"
    r"(?:\s+([a-z]+))?",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_ASKS_EXAMPLE = re.compile(r"\b(?:examples?|for instance|e\.\s?g\.)", re.IGNORECASE)


@dataclass(frozen=True)
class AskedAttribute:
    """What a question asks for, as far as a sentence can show it: the identifiers it names,
    whether it asks for a quantity, whether for a sum of money, and the unit a "how many X"
    names."""

    identifiers: tuple[str, ...]
    quantity: bool
    unit: frozenset[str]
    # The judge's reading of the kind of answer asked (evals.judges.attributes).
    kind: Attribute

    @property
    def money(self) -> bool:
        return self.kind == "price"


def asked_attribute(question: str) -> AskedAttribute:
    """The asked attribute of ``question`` (see AskedAttribute). Its kind is the judge's
    reading; a sentence's share counts only a price of it ("what does it cost", "above what
    salary"), since any number or date in a header line would count for the other kinds."""
    match = _QUANTITY.search(question)
    unit: frozenset[str] = frozenset()
    if match and match.group(1).lower() in ("many", "much") and match.group(2):
        unit = frozenset(content_words(match.group(2)))
    kind = judged_attribute(question)
    return AskedAttribute(tuple(identifiers(question)), match is not None, unit, kind)


def attribute_share(attribute: AskedAttribute, sentence: str, heading: str = "") -> float:
    """How much of the asked attribute ``sentence`` contains, in [0, 1]: the identifiers it
    (or the heading of its passage: a sentence of section "E-214 Lidar occlusion" is about
    E-214) names, a number when a quantity is asked, a sum of money (or "free") when a price
    is, and the asked unit."""
    parts: list[float] = []
    if attribute.identifiers:
        named = [names(sentence, i) or names(heading, i) for i in attribute.identifiers]
        parts.append(sum(named) / len(named))
    if attribute.quantity:
        parts.append(1.0 if _DIGIT.search(sentence) else 0.0)
    if attribute.money:
        parts.append(1.0 if attribute_found("price", sentence) else 0.0)
    if attribute.unit:
        parts.append(1.0 if attribute.unit & content_words(sentence) else 0.0)
    return sum(parts) / len(parts) if parts else 0.0


@dataclass(frozen=True)
class Candidate:
    """A passage sentence and how well it answers the question."""

    text: str
    n: int
    score: float


def _words_read(unit: str) -> int:
    """How many words ``unit`` says: a record field ("list_price_usd: 109000") counts its
    key's words, so a record's fields can be quoted one by one; other text counts what
    whitespace separates, so a heading-like fragment stays too short to quote."""
    if FIELD_LINE.match(unit):
        return len(_READ_WORD.findall(unit))
    return len(unit.split())


def _names_the_record(unit: str, section: str) -> bool:
    """Whether ``unit`` is the field a record is labelled by ("model: Stacker S6-C" in the
    record "Row 5: Stacker S6-C"): it repeats what the question asks about and answers none
    of it."""
    if not FIELD_LINE.match(unit) or not section:
        return False
    value = unit.split(":", 1)[1].strip()
    return bool(value) and (section == value or section.endswith(f": {value}"))


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def candidates(
    embedder: Embedder,
    question: str,
    sources: Sequence[Source],
    min_relevance: float,
    focus: str | None = None,
    named: Sequence[str] = (),
) -> list[Candidate]:
    """Sentences of the sources relevant enough to quote, best first.

    A source is relevant enough at ``min_relevance``, or when it names every one of ``named``
    (the question's identifiers that the sources mention, agent.coverage.Coverage.named): an
    embedding does not read "OTCRM" or "a11y", the passage that spells it out does.

    Score: cosine similarity to the question plus a share of the question's content words the
    sentence contains (numbers and names matter more than paraphrase for a quote), plus how
    much of the asked attribute it holds (asked_attribute: the identifiers the question names,
    a number for "how many/much/long", a sum of money for a price, the asked unit), so "75% of
    the per diem" does not lose to a sentence that only repeats the question's words; plus
    RANK_WEIGHT / the passage's search rank (``Source.n``), so the search's ranking decides
    between sentences that score alike; plus VALUE_WEIGHT when the sentence states a value the
    question names or a band holding it (the asked row of a table); minus EXAMPLE_WEIGHT for a
    sentence of a worked example, unless the question asks about one. ``focus`` is the turn's
    own words when ``question`` was rewritten from a follow-up: half the word share and half
    the similarity come from it, so "what about the first day?" quotes the first-day rule
    rather than the earlier turn's answer again.
    """
    pieces: list[tuple[str, int, float, bool]] = []
    sources = [s for s in sources if s.relevance >= min_relevance or names_all(s, named)]
    # The whole heading path and the title: "4.1 Wear limits" of the "Stacker S6 Maintenance
    # Manual" is about the S6 as much as a section called "S6".
    headings = {source.n: f"{source.result.title} > {source.result.section}" for source in sources}
    attribute = asked_attribute(focus or question)
    # When a passage's heading path names the identifier asked about ("E-214 Lidar occlusion",
    # an FAQ record asking about E-214), quote from such passages only: a sentence elsewhere
    # that merely mentions the code (a log line, a template example) does not say what it is.
    about = {
        n
        for n, heading in headings.items()
        if attribute.identifiers and all(names(heading, i) for i in attribute.identifiers)
    }
    # A fragment (a list item, a link's text, a label: no full stop) that adds at most one
    # word to the question's ("Daily Check-in Tool FAQ" for "What is the Daily Check-in
    # Tool?") names the topic and answers nothing, however alike the two read. A sentence
    # may answer in one word ("Bike parking is free."), and so may a fragment for a yes/no
    # question.
    focus = focus if focus and focus != question else None
    asked = _content_words(question)
    focused = _content_words(focus) if focus else set()
    said = asked | focused
    yes_no = attribute.kind == "yes/no"
    asked_values = facts_of(focus or question).quantities

    def echoes(unit: str) -> bool:
        fragment = not unit.rstrip().endswith((".", "!", "?"))
        return fragment and not yes_no and len(_content_words(unit) - said) < ECHO_NEW_WORDS

    for source in sources:
        if about and source.n not in about:
            continue
        for unit in read_units(source.result.text):
            text = strip_markers(unit.text).strip()
            if _words_read(text) < MIN_WORDS or looks_like_injection(text):
                continue
            if _names_the_record(text, source.result.section) or echoes(text):
                continue
            if text.endswith(":"):
                continue  # a lead-in whose list or table follows says nothing alone
            pieces.append((text, source.n, source.relevance, unit.example))
    if not pieces:
        return []
    queries = [question] if focus is None else [question, focus]
    vectors = np.asarray(embedder.embed(queries + [p[0] for p in pieces]))
    # Similarity to the rewritten question and, for a follow-up, equally to its own words.
    sims = (vectors[len(queries) :] @ vectors[: len(queries)].T).mean(axis=1)
    scored = []
    asks_example = bool(_ASKS_EXAMPLE.search(focus or question))
    for (text, n, passage_relevance, example), sim in zip(pieces, sims, strict=True):
        words = _content_words(text)
        overlap = len(asked & words) / max(1, len(asked))
        if focused:
            overlap = 0.5 * overlap + 0.5 * len(focused & words) / len(focused)
        score = 0.6 * float(sim) + 0.3 * overlap + 0.1 * passage_relevance + RANK_WEIGHT / n
        score += ATTRIBUTE_WEIGHT * attribute_share(attribute, text, headings.get(n, ""))
        if asked_values and any(states_value(facts_of(text), q) for q in asked_values):
            score += VALUE_WEIGHT
        if example and not asks_example:
            score -= EXAMPLE_WEIGHT
        scored.append(Candidate(text, n, score))
    return sorted(scored, key=lambda c: (-c.score, c.n))


def names_all(source: Source, named: Sequence[str]) -> bool:
    """Whether ``source`` (its text, title or heading path) names every one of ``named``."""
    r = source.result
    place = f"{r.title} > {r.section} {r.text}"
    return bool(named) and all(names(place, n) for n in named)


def extractive_answer(
    embedder: Embedder,
    question: str,
    sources: Sequence[Source],
    *,
    min_relevance: float,
    max_sentences: int = 2,
    focus: str | None = None,
) -> str:
    """Up to ``max_sentences`` quoted sentences with ``[n]``; "" when nothing is relevant."""
    found = candidates(embedder, question, sources, min_relevance, focus)
    return quote(found, max_sentences)


def quote(found: Sequence[Candidate], max_sentences: int = 2) -> str:
    """The first of ``found`` quoted with its ``[n]``, and up to ``max_sentences - 1`` more.

    A further sentence is added only when it scores close to the first, so a precise quote is
    not diluted by a loosely related one, and never when it is another row of the first's
    table: a row answers for its own line, and the next one ("Model: S4; Top speed: 1.5 m/s"
    after the asked "Model: S6; Top speed: 1.8 m/s") reads as part of the answer.
    """
    if not found:
        return ""
    first = found[0]
    chosen = [first]
    for cand in found[1:]:
        if len(chosen) >= max_sentences:
            break
        same_table = (
            cand.n == first.n and _first_column(cand.text) == _first_column(first.text) != ""
        )
        repeat = any(_repeats(cand.text, c.text) for c in chosen)
        if cand.score >= 0.85 * first.score and not repeat and not same_table:
            chosen.append(cand)
    return " ".join(cite(c.text, c.n) for c in chosen)


def _repeats(one: str, other: str) -> bool:
    """Whether two quotes say the same words: overlapping chunks hold the same sentence, with
    or without its final stop. Only the same words: "Travel comp time expires after a year"
    ends as "Comp time expires after a year" does, and says something else."""
    a, b = (" ".join(t.lower().split()).rstrip(" .!?;:") for t in (one, other))
    return a == b


def _first_column(unit: str) -> str:
    """The first column's name of a table row as ``table_row`` reads it ("Model: S6; Top
    speed: 1.8 m/s" -> "Model"); "" for any other sentence. Rows of one table share it even
    when a dash cell leaves a column out of one of them."""
    cells = unit.rstrip(" .").split("; ")
    if len(cells) < 2 or not all(": " in cell for cell in cells):
        return ""
    return cells[0].partition(": ")[0]


def cite(sentence: str, n: int) -> str:
    """``sentence`` with its citation marker ``[n]`` before the final stop."""
    text = sentence.rstrip()
    if text[-1:] in ".!?":
        return f"{text[:-1]} [{n}]{text[-1]}"
    return f"{text} [{n}]."
