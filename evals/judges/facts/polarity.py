"""Polarity: negations a sentence asserts, words that mean the opposite, and the conditions,
exceptions, restrictions and hedges that qualify a statement."""

from __future__ import annotations

import re

from evals.judges.facts.words import stem, tokenize

# Phrases that bound a value rather than negate a statement.
COMPARATORS = re.compile(
    r"\b(?:no|not|never)\s+(more|less|fewer|later|earlier|longer|shorter|higher|lower)\s+than\b",
    re.IGNORECASE,
)
NEGATIONS = frozenset("not no never cannot none nobody nothing neither nor nowhere".split())
# Words that flip a statement when swapped for their counterpart. General English only.
_ANTONYM_WORDS = (
    ("rise", "fall"),
    ("rise", "decline"),
    ("increase", "decrease"),
    ("increase", "reduce"),
    ("grow", "decline"),
    ("grow", "shrink"),
    ("grow", "fall"),
    ("gain", "lose"),
    ("above", "below"),
    ("more", "less"),
    ("more", "fewer"),
    ("over", "under"),
    ("maximum", "minimum"),
    ("higher", "lower"),
    ("highest", "lowest"),
    ("exceed", "below"),
    ("before", "after"),
    ("early", "late"),
    ("earlier", "later"),
    ("first", "last"),
    ("shorter", "longer"),
    ("approve", "reject"),
    ("accept", "refuse"),
    ("accept", "reject"),
    ("include", "exclude"),
    ("allow", "forbid"),
    ("allow", "prohibit"),
    ("permit", "forbid"),
    ("required", "optional"),
    ("mandatory", "optional"),
    ("always", "never"),
    ("inside", "outside"),
    ("internal", "external"),
    ("domestic", "international"),
    ("both", "either"),
    ("all", "some"),
    ("profit", "loss"),
    ("success", "failure"),
    ("pass", "fail"),
    ("open", "closed"),
    ("start", "finish"),
    ("same", "different"),
)
# "who" opens a restrictive clause that works as a condition: "a customer who does not
# return the part is billed" = "if a customer does not return the part, they are billed".
_CONDITIONAL = re.compile(r"\b(?:if|unless|whether|when|who|that)\b[^,;:.!?]*", re.IGNORECASE)
_RESTRICTIVE = frozenset({"only", "solely", "exclusively"})
_EXCEPTIONS = frozenset({"unless", "except", "excluding"})
_HEDGES = frozenset({"normally", "usually", "generally", "typically", "mostly", "often"})
ANTONYMS = tuple((stem(a), stem(b)) for a, b in _ANTONYM_WORDS)
SURFACE = {stem(w): w for pair in _ANTONYM_WORDS for w in pair}
POLAR = frozenset(w for pair in ANTONYMS for w in pair)


def bound_comparisons(text: str) -> str:
    """``text`` with "no more than" and the like rewritten as "more than": they bound a value,
    they do not negate the statement."""
    return COMPARATORS.sub(lambda m: f" {m.group(1)} than ", text)


def is_negation(word: str) -> bool:
    """Whether a word (any case, possessive or not) negates: "not", "never", "nobody"."""
    return word.lower().removesuffix("'s") in NEGATIONS


def count_negations(text: str) -> int:
    """Negations the sentence asserts; those inside a condition ("if it does not arrive, ...",
    "expire if not used") set a premise, not the sentence's polarity."""
    asserted = _CONDITIONAL.sub(" ", text)
    return sum(1 for token, _ in tokenize(asserted) if is_negation(token))


def states_exception(text: str) -> bool:
    """Whether the text carves out an exception ("unless the CFO approves", "except ...")."""
    return any(token.lower() in _EXCEPTIONS for token, _ in tokenize(text))


def states_restriction(text: str) -> bool:
    """Whether the text restricts its statement to something ("only the front lidar")."""
    return any(token.lower() in _RESTRICTIVE for token, _ in tokenize(text))


def states_condition(text: str) -> bool:
    """Whether the text qualifies its statement (a condition, exception, restriction, hedge)."""
    words = {token.lower() for token, _ in tokenize(text)}
    return bool(words & (_EXCEPTIONS | _RESTRICTIVE | _HEDGES | {"if", "when", "without"}))
