"""Does the cited evidence answer the question that was asked, not a neighbouring one?

A cited sentence can be true to its source and still answer another question: asked about one
state's leave law, it quotes two other states' rules; asked a per-diem amount, it gives the
event's length. Two checks, for any corpus and with no word list tied to one company:

- qualifiers: every content word of the question proper (places, people, products,
  programmes, plans, the thing asked about) must be in the evidence (its text, title, section
  or file name) or have a close word there (embedding similarity of words). A name the
  evidence lacks, while it names others of its kind, is never close enough. Context the
  asker gives in a sentence of its own before the question ("I'm visiting a customer in
  Germany next week.") is not required;
- the asked attribute: "how many/much" needs a number, "how long" a duration, "when" a date
  or time, "who" a person or role; yes/no, procedure and definition questions need nothing
  more than their qualifiers.

Both are read together, in one window of adjacent sentences of one passage (``windows``): a
number in one paragraph does not answer for a qualifier in another. A few common qualifiers
may be missing, but not one the corpus's documents never use (``rare_share``), nor one whose
place the window gives to a sibling ("international travel" where "domestic travel" was
asked).

The thresholds are fitted on the sample company's suite only (``python -m bench.trust --fit``);
the 18F handbook's labelled sets measure them held out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from evals.judges.attributes import TIME_UNITS, Attribute, asked_attribute
from evals.judges.facts import facts_of, stem
from evals.judges.passages import Evidence
from evals.judges.questions import qualifiers
from evals.judges.readings import (
    WINDOW,
    Reading,
    Thresholds,
    WordVectors,
    as_written,
    best_reading,
    holds_nothing,
    read_evidence,
)


@dataclass(frozen=True)
class AnswerCheck:
    """Whether the evidence answers the question, and, when not, what is missing."""

    answers: bool
    attribute: Attribute
    attribute_found: bool
    qualifiers: tuple[str, ...]
    missing: tuple[str, ...]
    covers: str  # what the cited evidence is about, for the abstention
    support: dict[str, float] = field(default_factory=dict)  # per qualifier, 1.0 = exact
    named: tuple[str, ...] = ()  # the qualifiers that are names (found only exactly)
    cited: tuple[tuple[str, str], ...] = ()  # (file, section) of each passage checked
    evidence: tuple[Evidence, ...] = ()  # the passages checked, in citation order
    answering: str = ""  # the window that answers best (see ``windows``)
    quote: tuple[str, ...] = ()  # that window as an answer would quote it
    # "How many" answered by a whole list: its length, which the answer says (``with_count``)
    counted: int = 0
    # How many of the values the question names ("after five years") that window states, or
    # holds in a band: the asked row of a table states it, a sentence beside it need not.
    values_stated: int = 0
    # No window of the evidence holds any of the question's qualifiers: the passages are
    # about something else altogether, not a near answer that lacks one detail.
    found_nothing: bool = False

    @property
    def reason(self) -> str:
        """One clause for the abstention: what is missing and what the documents cover."""
        if self.answers:
            return ""
        gaps = []
        if self.missing:
            gaps.append(f"nothing about {_join(self.missing)}")
        if not self.attribute_found:
            gaps.append(f"no {_ATTRIBUTE_WORDS[self.attribute]}")
        covered = f"; they cover {self.covers}" if self.covers else ""
        return f"the documents I found say {' and '.join(gaps)}{covered}"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["reason"] = self.reason
        return out


_ATTRIBUTE_WORDS: dict[str, str] = {
    "amount": "amount",
    "price": "price",
    "count": "number",
    "duration": "duration",
    "frequency": "frequency",
    "date": "date or time",
    "person": "person or role",
    "yes/no": "answer",
    "procedure": "procedure",
    "definition": "definition",
    "phone": "phone number",
    "email": "email address",
    "link": "web address or handle",
}


def _join(words: Sequence[str]) -> str:
    quoted = [f'"{w}"' for w in words]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _rivals(evidence: Sequence[Evidence], asked: set[str]) -> list[str]:
    """Names the evidence text uses that the question does not: what it covers instead."""
    seen: dict[str, None] = {}
    for e in evidence:
        facts = facts_of(e.text)
        for name in facts.entities:
            if stem(name) not in asked and stem(name) not in TIME_UNITS and len(name) > 2:
                seen.setdefault(as_written(name, e.text), None)
    return list(seen)


def _covers(evidence: Sequence[Evidence], asked: set[str]) -> str:
    places = list(dict.fromkeys(e.section or e.title or e.source for e in evidence if e.text))
    where = " and ".join(places[:2])
    names = _rivals(evidence, asked)[:4]
    if len(names) > 1:
        named = f"{', '.join(names[:-1])} and {names[-1]}"
    else:
        named = names[0] if names else ""
    if where and names:
        return f"{where}, which names {named}"
    return where or (named if names else "")


def check_answer(
    question: str,
    evidence: Sequence[Evidence],
    vectors: WordVectors | None = None,
    *,
    limits: Thresholds | None = None,
    window: int = WINDOW,
    share: Callable[[str], float] | None = None,
) -> AnswerCheck:
    """Whether ``evidence`` (the passages an answer cites) answers ``question``.

    The asked attribute and the qualifiers must be found together: in one window of
    ``window`` adjacent sentences of one passage, read with that passage's title, section and
    file name. A number in one paragraph and the qualifier it was asked for in another answer
    nothing ("domestic travel" in one sentence, "14 days before departure" for international
    travel in the next).

    ``vectors`` gives word embeddings for soft matches; without it only exact word stems
    (and numbers) count as found. ``share`` is the share of the corpus's documents that use a
    word (see ``read_evidence``); ``limits`` defaults to the shipped thresholds.
    """
    limits = limits or Thresholds()
    attribute = asked_attribute(question)
    wanted = qualifiers(question)
    readings = read_evidence(question, evidence, vectors, window=window, share=share)
    best = best_reading(wanted, readings, limits)
    if best is None:
        best = Reading("", False, {w: 0.0 for w, _ in wanted})
    named_missing, common_missing = best.missing(wanted, limits.close_word)
    # A qualifier with a sibling in its place is missing however close the sibling is.
    siblings = [w for w in best.rivals if w not in common_missing]
    return AnswerCheck(
        answers=bool(readings) and best.answers(wanted, limits),
        attribute=attribute,
        attribute_found=best.attribute_found,
        qualifiers=tuple(w for w, _ in wanted),
        missing=tuple(as_written(w, question) for w in named_missing + common_missing + siblings)
        + best.values_missing,
        covers=_covers(evidence, {stem(w) for w, _ in wanted}),
        support=best.support,
        named=tuple(w for w, named in wanted if named),
        cited=tuple((e.source, e.section) for e in evidence),
        evidence=tuple(evidence),
        answering=best.window,
        quote=best.quote,
        counted=best.listed if attribute == "count" else 0,
        values_stated=best.values_stated,
        found_nothing=holds_nothing(wanted, readings, limits),
    )
