"""Polarity: negations a sentence asserts, words that mean the opposite, and the conditions,
exceptions, restrictions and hedges that qualify a statement."""

from __future__ import annotations

import re

from evals.judges.facts.words import STOPWORDS, stem, tokenize

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
    ("manual", "automatic"),
)
# "As long as" (not "for as long as 14 days", a bound) and "provided" open conditions as "if"
# does. "who" opens a restrictive clause
# that works as a condition: "a customer who does not
# return the part is billed" = "if a customer does not return the part, they are billed".
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|whether|when|who|that|(?:as|so) long as(?!\s+(?:\d|an?\b|one\b|two\b|"
    r"three\b|four\b|five\b|six\b|seven\b|eight\b|nine\b|ten\b|several\b|\w+\s+(?:minute|hour|"
    r"day|week|month|year)s?\b))|provided)\b[^,;:.!?]*",
    re.IGNORECASE,
)
# A relative clause ends where the main clause's verb comes: in "employees who start after
# September 1 are not eligible" the negation is the sentence's, not the clause's. A negated
# verb within the clause's first words is the clause's own ("who does not return", "that your
# manager has not signed").
_MAIN_NEGATION = re.compile(
    r"\s(?:is|are|was|were|do|does|did|can|could|will|would|must|should|may|shall|has|have|had)"
    r"(?:\s+not\b|n['’]t\b)|\s(?:ca|wo)n['’]t\b|\scannot\b|\snever\b",
    re.IGNORECASE,
)
_OWN_WORDS = 3


def _drop_conditions(text: str, fill: str) -> str:
    """``text`` with its conditions and relative clauses replaced by ``fill``: what it asserts."""

    def drop(match: re.Match[str]) -> str:
        clause = match.group(0)
        if clause.split()[0].lower() in ("who", "that"):
            for negated in _MAIN_NEGATION.finditer(clause):
                if len(clause[: negated.start()].split()) > _OWN_WORDS:
                    return fill + clause[negated.start() :]
        return fill

    return _CONDITIONAL.sub(drop, text)


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
    for token, _ in tokenize(_drop_conditions(text, " ")):
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
    asserted = _drop_conditions(text, " ")
    words = sum(1 for token, _ in tokenize(asserted) if is_negation(token))
    return words + len(_WITHOUT.findall(asserted))


# Words that may stand between a negation and the word it negates: "cannot *be* resubmitted",
# "aren't *able to* delete", "never *need to* register".
_BRIDGE = frozenset("be been being able to allowed permitted ever yet get got need needs".split())
_NEGATORS = frozenset({"not", "never"})
# "Cannot carry over more than 240 hours" bounds a value: it does not negate the carrying.
_BOUND_WORDS = frozenset({"than", "beyond", "exceed", "exceeds", "over"})


def negated_words(text: str) -> dict[str, tuple[bool, ...]]:
    """Each content word's stem, with whether each of its asserted occurrences is negated:
    "not" or "never" right before it, or before only bridging words ("cannot be resubmitted",
    "aren't able to delete"), or before a word it is listed with ("cannot edit or delete").
    Negations inside a condition, and negated bounds ("cannot carry over more than 240
    hours"), are left out."""
    tokens = [t.lower() for t, _ in tokenize(_drop_conditions(text, " . "))]
    out: dict[str, list[bool]] = {}
    scope = False  # a negation reaches the next content word
    for i, token in enumerate(tokens):
        if token in _NEGATORS:
            scope = True
            continue
        if token in _BRIDGE or (scope and token in {"or", "nor"}):
            continue
        if not token.isalpha() or token in STOPWORDS or len(token) < 3:
            scope = False
            continue
        if scope and _BOUND_WORDS & set(tokens[i : i + 5]):
            scope = False  # a bound's word is neither stated nor denied
            continue
        out.setdefault(stem(token), []).append(scope)
        # "cannot edit or delete": the negation goes on to the next word of the list.
        scope = scope and i + 1 < len(tokens) and tokens[i + 1] in {"or", "nor"}
    return {w: tuple(flags) for w, flags in out.items()}


def negated_apart(claim: str, evidence: str, words: frozenset[str]) -> list[str]:
    """Stems of ``words`` (the claim's content words) that one side negates and the other
    states: the claim says "cannot be resubmitted" where the evidence tells how to resubmit,
    or "can delete" where every mention in the evidence is "not able to delete"."""
    mine, theirs = negated_words(claim), negated_words(evidence)
    flipped = []
    for word in sorted(words & mine.keys() & theirs.keys()):
        if any(mine[word]) and not any(theirs[word]):
            flipped.append(word)
        elif not any(mine[word]) and all(theirs[word]):
            flipped.append(word)
    return flipped


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
