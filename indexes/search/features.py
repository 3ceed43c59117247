"""Exact-answer features of a retrieved passage: does it name what the question names?

Embeddings and full-text ranks measure resemblance; a question that names an identifier
("E-214", "S9", "SF-182", "4.1") or a topic ("parental bereavement leave") is answered by the
passage whose heading names it, not by a neighbour that resembles it. Each feature is a share
in [0, 1], computed from the question and the passage alone (no corpus word lists), so the
weights fitted on one corpus carry to another (bench/retrieval_compare.py fits and reports).
"""

from __future__ import annotations

import re
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

FEATURES = ("ident_heading", "ident_text", "heading_words", "query_in_heading", "answers")


def identifiers(question: str) -> list[str]:
    """The identifiers a question names, in order, without repeats."""
    found: list[str] = []
    for token in _TOKEN.findall(question):
        has_digit = any(ch.isdigit() for ch in token)
        has_letter = any(ch.isalpha() for ch in token)
        joined = any(ch in "-./" for ch in token)
        if has_digit and (has_letter or joined) and token.lower() not in found:
            found.append(token.lower())
    return found


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


def content_words(text: str) -> set[str]:
    """Lower-cased words that are not function words, a plural "s" dropped."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return words


def _heading(section: str) -> str:
    """The last component of a heading path ("A > B > C" -> "C"), record labels' prefix off."""
    last = section.rsplit(" > ", 1)[-1]
    return re.sub(r"^(?:Row|Line|Record) \d+: ", "", last)


def features(question: str, title: str, section: str, text: str) -> dict[str, float]:
    """The FEATURES of one passage for one question, each in [0, 1]:

    ``ident_heading``/``ident_text``: share of the question's identifiers named in the
    heading path (or title) / in the text; ``heading_words``: share of the passage's own
    heading's words the question contains; ``query_in_heading``: share of the question's words
    the heading path contains; ``answers``: share of the passage's lines that are not questions.
    """
    idents = identifiers(question)
    heading_path = f"{title} > {section}" if section else title
    asked = content_words(question)
    own = content_words(_heading(section)) if section else set()
    path_words = content_words(heading_path)
    lines = [line for line in text.splitlines() if line.strip()]
    asking = sum(line.rstrip().endswith("?") for line in lines)
    return {
        "ident_heading": (
            sum(names(heading_path, i) for i in idents) / len(idents) if idents else 0.0
        ),
        "ident_text": sum(names(text, i) for i in idents) / len(idents) if idents else 0.0,
        "heading_words": len(own & asked) / len(own) if own else 0.0,
        "query_in_heading": len(asked & path_words) / len(asked) if asked else 0.0,
        "answers": 1.0 - asking / len(lines) if lines else 0.0,
    }
