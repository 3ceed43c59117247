"""Exact-answer features of a retrieved passage: does it name what the question names?

Embeddings and full-text ranks measure resemblance; a question that names an identifier
("E-214", "S9", "SF-182", "4.1") or a topic ("parental bereavement leave") is answered by the
passage whose heading names it, not by a neighbour that resembles it. Each feature is a share
in [0, 1], computed from the question and the passage alone (no corpus word lists), so the
weights fitted on one corpus carry to another (bench/retrieval_compare.py fits and reports).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

# A token that is an identifier: letters and digits, optionally joined by - . /, holding a
# digit and either a letter or a joiner ("E-214", "S9", "QM-LW-06", "4.1"); plain numbers
# (amounts, years) are not identifiers.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*")
_WORD = re.compile(r"[a-z0-9]+")
# English function words: they carry no topic, in any corpus.
_STOP = frozenset(
    "a an the of to in on at for and or is are was were be been by with what which who whom "
    "how when where why does do did can could may might must shall should will would i me my "
    "we our you your it its this that these those as from per if then than there their they "
    "he she his her them about into over under after before any all each some no not more most "
    "much many have has had get got i'm am so just out up".split()
)

FEATURES = (
    "ident_heading",
    "ident_leads",
    "ident_text",
    "no_lookalike",
    "heading_words",
    "query_in_heading",
    "answers",
)


def identifiers(question: str) -> list[str]:
    """The identifiers a question names, in order, without repeats."""
    return list(_identifiers(question))


_DIGIT = re.compile(r"[0-9]")
_LETTER_OR_JOINER = re.compile(r"[^\W\d_]|[-./]")


# Cached: re-ranking asks for the same question's (and the same headings') identifiers once
# per candidate passage, and character-by-character tests cost ~80 us a call in Python.
@lru_cache(maxsize=4096)
def _identifiers(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for token in _TOKEN.findall(text):
        lowered = token.lower()
        if _DIGIT.search(token) and _LETTER_OR_JOINER.search(token) and lowered not in found:
            found.append(lowered)
    return tuple(found)


@lru_cache(maxsize=256)
def _identifier_pattern(identifier: str) -> re.Pattern[str]:
    # Not inside a longer token: "E-214" does not match "E-2140" or "SE-214", nor "S6" "S6-C".
    return re.compile(
        rf"(?<![A-Za-z0-9])(?<![A-Za-z0-9][-./]){re.escape(identifier)}(?![A-Za-z0-9])(?![-./][A-Za-z0-9])",
        re.IGNORECASE,
    )


def names(text: str, identifier: str) -> bool:
    """Whether ``text`` contains ``identifier`` as a whole token (case-insensitive)."""
    return _identifier_pattern(identifier).search(text) is not None


def _shape(identifier: str) -> str:
    """An identifier's shape: its digits as 9 ("E-214" and "E-305" are both "e-999")."""
    return re.sub(r"[0-9]", "9", identifier.lower())


def lookalike(heading: str, idents: list[str]) -> bool:
    """Whether ``heading`` names an identifier shaped like an asked one but none of them: the
    neighbouring section ("E-305 ..." when E-214 is asked, "Stacker S6" when S4 is)."""
    if not idents or any(names(heading, i) for i in idents):
        return False
    shapes = {_shape(i) for i in idents}
    return any(_shape(t) in shapes for t in _identifiers(heading))


def content_words(text: str) -> set[str]:
    """Lower-cased words that are not function words, a plural "s" dropped."""
    return set(_content_words(text))


@lru_cache(maxsize=4096)
def _content_words(text: str) -> frozenset[str]:
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return frozenset(words)


def _heading(section: str) -> str:
    """The last component of a heading path ("A > B > C" -> "C"), record labels' prefix off."""
    last = section.rsplit(" > ", 1)[-1]
    return re.sub(r"^(?:Row|Line|Record) \d+: ", "", last)


def _lead(heading: str, identifier: str) -> bool:
    match = _identifier_pattern(identifier).search(heading)
    return match is not None and not heading[: match.start()].strip(" #*(")


def heading_path(title: str, section: str) -> str:
    """The path the identifier features read: the title, then the section's headings."""
    return f"{title} > {section}" if section else title


def distinctive_identifiers(question: str, headings: Sequence[str]) -> list[str]:
    """The question's identifiers that single out a few of the candidates ``headings``
    (heading paths): named by at most a tenth of them (never fewer than 2).

    An identifier that heads many candidates names the organisation or the product line the
    whole corpus is about ("18F" in its own handbook, "S6" in a product manual), not the
    section asked about; boosting its sections pushes down the one that answers.
    """
    limit = max(2, math.ceil(len(headings) / 10))
    return [i for i in _identifiers(question) if sum(names(path, i) for path in headings) <= limit]


def features(
    question: str,
    title: str,
    section: str,
    text: str,
    idents: Sequence[str] | None = None,
) -> dict[str, float]:
    """The FEATURES of one passage for one question, each in [0, 1]:

    ``ident_heading``/``ident_text``: share of the question's identifiers named in the
    heading path (or title) / in the text; ``ident_leads``: share that begin the passage's own
    heading ("E-214 Lidar occlusion", "4.1 Per diem rates": the section is about it);
    ``no_lookalike``: 0 when the own heading names a look-alike identifier instead
    (lookalike); ``heading_words``: share of the passage's own heading's words the question
    contains; ``query_in_heading``: share of the question's words
    the heading path contains; ``answers``: share of the passage's lines that are not questions.
    ``idents``: the identifiers to read (default: all the question names; the re-rank passes
    distinctive_identifiers).
    """
    idents = list(_identifiers(question) if idents is None else idents)
    path = heading_path(title, section)
    asked = _content_words(question)
    own = _content_words(_heading(section)) if section else frozenset()
    path_words = _content_words(path)
    heading = _heading(section) if section else ""
    lines = [line for line in text.splitlines() if line.strip()]
    asking = sum(line.rstrip().endswith("?") for line in lines)
    return {
        "ident_heading": (sum(names(path, i) for i in idents) / len(idents) if idents else 0.0),
        "ident_leads": (
            sum(bool(_lead(heading, i)) for i in idents) / len(idents) if idents else 0.0
        ),
        "no_lookalike": 0.0 if lookalike(heading, idents) else 1.0,
        "ident_text": sum(names(text, i) for i in idents) / len(idents) if idents else 0.0,
        "heading_words": len(own & asked) / len(own) if own else 0.0,
        "query_in_heading": len(asked & path_words) / len(asked) if asked else 0.0,
        "answers": 1.0 - asking / len(lines) if lines else 0.0,
    }


# How much each feature adds to a passage's fused score (cosine scale) when re-ranking.
# The identifier weights are a rule, not a fit: a passage whose own heading begins with the
# asked identifier outranks everything else, then one naming it in its heading path, then in
# its text (the "exact identifier above look-alikes"). The others were fitted together
# with the fusion and sentence weights (SearchOptions) by bench/retrieval_compare.py
# (coordinate ascent over a small grid, objective MRR@5 + recall@5 / 2 of file+section) on
# the sample company's suite and the 18F handbook's design questions, each corpus counting the
# same (the bench's pooled_fit), and are reported on the blind 18F sets, never fitted on; the
# fit on one corpus reported on the other is in the bench too (docs/benchmarks.md). With the
# full-text side ranked by BM25, the heading-word features no longer helped: fitted to 0.
#
# The identifier weights are per unit of the re-rank's score range (the fused score, at most 1,
# plus the sentence weight times a cosine): the re-rank multiplies them by 1 + sentence weight
# (``identifier_scale``), so the rule holds whatever sentence weight is fitted. At the sentence
# weight 0.5 they add 0.6, 0.18 and 0.06. The re-rank reads only the identifiers that single
# out a few candidates (distinctive_identifiers).
IDENTIFIER_FEATURES = ("ident_leads", "ident_heading", "ident_text")
WEIGHTS: dict[str, float] = {
    "ident_leads": 0.4,
    "ident_heading": 0.12,
    "ident_text": 0.04,
    "query_in_heading": 0.0,
    "heading_words": 0.0,
    "answers": 0.2,
}


def identifier_scale(sentence_weight: float) -> float:
    """What the identifier weights are multiplied by when re-ranking with ``sentence_weight``:
    the re-rank's score range."""
    return 1.0 + sentence_weight


def feature_score(
    question: str,
    title: str,
    section: str,
    text: str,
    weights: dict[str, float] = WEIGHTS,
    sentence_weight: float = 0.0,
    idents: Sequence[str] | None = None,
) -> float:
    """The weighted sum of one passage's features (see WEIGHTS and weighted_sum)."""
    return weighted_sum(features(question, title, section, text, idents), weights, sentence_weight)


def weighted_sum(
    found: Mapping[str, float], weights: Mapping[str, float], sentence_weight: float = 0.0
) -> float:
    """``found`` (a passage's features) weighted by ``weights``, the identifier features
    scaled to the re-rank's range for ``sentence_weight`` (see identifier_scale)."""
    scale = identifier_scale(sentence_weight)
    return sum(
        weight * found[name] * (scale if name in IDENTIFIER_FEATURES else 1.0)
        for name, weight in weights.items()
    )
