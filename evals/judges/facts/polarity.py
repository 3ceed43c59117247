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
# "Without" denies an action or any amount ("approve it without documenting it", "without any
# limit"); "a case without a workaround" only qualifies a noun, like a condition.
_WITHOUT = re.compile(r"\bwithout\s+(?:any\b|[a-z]{3,}ing\b)", re.IGNORECASE)
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


# Upper and lower bounds, however written, become one word each: "no more than 120 days",
# "120 days or less", "up to 120 days" and "cannot exceed 120 days" all say "maximum".
_UPPER = re.compile(
    r"\b(?:no|not)\s+(?:more|longer|later|greater|higher)\s+than\b|\bup\s+to\b|\bat\s+most\b"
    r"|\b(?:a\s+)?maximum\s+of\b|\b(?:can|may|must|shall|should|will|do|does)?\s*not\s+"
    r"(?:to\s+)?exceed\b|\bcannot\s+exceed\b|\bor\s+(?:less|fewer|shorter|earlier)\b"
    r"|\b(?:is\s+|are\s+)?(?:limited|capped)\s+(?:to|at)\b",
    re.IGNORECASE,
)
_LOWER = re.compile(
    r"\b(?:no|not)\s+(?:less|fewer|shorter|earlier|lower)\s+than\b|\bat\s+least\b"
    r"|\b(?:a\s+)?minimum\s+of\b|\bor\s+(?:more|longer|later|greater|higher)\b",
    re.IGNORECASE,
)


def bound_comparisons(text: str) -> str:
    """``text`` with value bounds in one wording ("maximum", "minimum"), and the remaining
    "no later than" and the like rewritten as "later than": they bound a value, they do not
    negate the statement."""
    text = _UPPER.sub(" maximum ", text)
    text = _LOWER.sub(" minimum ", text)
    return COMPARATORS.sub(lambda m: f" {m.group(1)} than ", text)


def is_negation(word: str) -> bool:
    """Whether a word (any case, possessive or not) negates: "not", "never", "nobody"."""
    return word.lower().removesuffix("'s") in NEGATIONS


def prefixed_negations(text: str, other: frozenset[str]) -> int:
    """Words negated by a prefix ("unused", "unpaid", "nonrefundable") whose root the other
    text uses ("not used", "paid"): only against that text is the prefix known to negate,
    since "under", "union" and "unit" start the same way."""
    count = 0
    for token, _ in tokenize(_CONDITIONAL.sub(" ", text)):
        low = token.lower()
        for prefix in ("non", "un"):
            root = low.removeprefix(prefix)
            # "Unloaded" on both sides is the same word, not a negation of "loaded".
            if root == low or len(root) < 3 or stem(low) in other:
                continue
            # The crude stemmer keeps "used" whole: try the root without its ending too.
            roots = {stem(root)}
            if root.endswith("ed"):
                roots |= {stem(root[:-1]), stem(root[:-2])}
            if roots & other:
                count += 1
                break
    return count


def count_negations(text: str) -> int:
    """Negations the sentence asserts; those inside a condition ("if it does not arrive, ...",
    "expire if not used") set a premise, not the sentence's polarity."""
    asserted = _CONDITIONAL.sub(" ", text)
    words = sum(1 for token, _ in tokenize(asserted) if is_negation(token))
    return words + len(_WITHOUT.findall(asserted))


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
