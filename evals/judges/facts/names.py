"""Names a sentence commits to: capitalised words, acronyms, codes and versions, and closed-class
value words (colours, weekdays, periods, months) that are checked like names."""

from __future__ import annotations

from evals.judges.facts.dates import MONTHS
from evals.judges.facts.words import STOPWORDS, stem

# Closed classes of value words: a claim that says "red" where the evidence says "amber", or
# "first month" where it says "first week", changed a value as surely as a changed number.
_VALUE_WORDS = {
    "colour": "red amber green blue white yellow black orange grey gray purple pink brown",
    "weekday": "monday tuesday wednesday thursday friday saturday sunday weekday weekend",
    # "second" is left out: it is an ordinal as often as a unit.
    "period": "minute hour day week fortnight month quarter year decade",
}
VALUE_KIND = {stem(w): kind for kind, words in _VALUE_WORDS.items() for w in words.split()}
VALUE_WORD_STEMS = frozenset(VALUE_KIND)  # months are names only when capitalised ("may")
VALUE_KIND.update({stem(m): "month" for m in MONTHS})


def looks_like_name(token: str, first: bool) -> bool:
    """Names and codes: capitalised words inside a sentence, acronyms, anything with a digit."""
    if not token[0].isalpha():
        return token.count(".") > 1 or any(c.isalpha() for c in token)  # versions, "18F"
    if any(c.isdigit() for c in token):
        return True
    if len(token) > 1 and token.isupper():
        return True
    if any(c.isupper() for c in token[1:]):
        return True  # PeopleHub, LiFePO4
    return token[0].isupper() and not first and token.lower() not in STOPWORDS


def opens_a_name(tokens: list[tuple[str, bool]], i: int) -> bool:
    """A capitalised sentence opener followed by another capitalised word starts a name:
    "Gold Care costs ...", "Calder Cells supplies ..."."""
    token, first = tokens[i]
    return (
        first
        and token[0].isupper()
        and token.lower() not in STOPWORDS
        and i + 1 < len(tokens)
        and tokens[i + 1][0][0].isupper()
        and not tokens[i + 1][1]
    )


def is_name(tokens: list[tuple[str, bool]], i: int) -> bool:
    """Whether ``tokens[i]`` (token, starts a sentence) is a name, code or value word."""
    token, first = tokens[i]
    return (
        looks_like_name(token, first) or stem(token) in VALUE_WORD_STEMS or opens_a_name(tokens, i)
    )


# Small words a spelled-out name may hold without them counting in its acronym.
_NAME_LINKS = frozenset({"of", "and", "for", "the", "&"})


def spelled_names(tokens: list[tuple[str, bool]]) -> tuple[tuple[str, frozenset[str]], ...]:
    """Runs of two or more capitalised words with the acronym they spell: "Office of
    Acquisition" is ("oa", {"office", "acquisition"}), so that a claim saying "OA" and evidence
    saying "Office of Acquisition" (or the other way round) name the same thing."""
    runs: list[tuple[str, frozenset[str]]] = []
    words: list[str] = []

    def close() -> None:
        if len(words) >= 2:
            runs.append(("".join(w[0] for w in words).lower(), frozenset(w.lower() for w in words)))
        words.clear()

    for i, (token, _) in enumerate(tokens):
        capitalised = token[0].isupper() and token.isalpha() and not token.isupper()
        if capitalised and token.lower() not in STOPWORDS:
            words.append(token)
        elif words and token.lower() in _NAME_LINKS and i + 1 < len(tokens):
            continue
        else:
            close()
    close()
    return tuple(runs)
