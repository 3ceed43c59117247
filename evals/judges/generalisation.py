"""Generalisations: a claim that states for everyone what the evidence states for some.

"All employees receive 15 days" where the evidence says "Full-time employees receive 15 days";
"All staff may work remotely two days a week" where it says "Staff in the London office may
..."; "Contractors may always use the lounge" where it says "... on weekdays". Every word of
such a claim is in the evidence, so word coverage, names and numbers all agree: what is wrong
is what the claim leaves out. A claim with a universal word ("all", "every", "always", "any",
"never") that the evidence lacks is read for two shapes, from word order alone (no word list
beyond English function words):

- the subject's restriction dropped: the claim opens on the evidence's subject head without
  the modifiers in front of it ("full-time employees") or the prepositional phrase after it
  ("staff in the London office");
- a restricting prepositional phrase of the evidence ("on weekdays") the claim lacks;
- a hedge of the evidence ("most agencies", "often impossible", "occasionally") the claim
  states as a rule ("every agency", "impossible for every partner", "any meeting").

"Every" before a period, a weekday or a number ("every week", "every Friday", "every 2
months") says how often, not for whom: it makes no claim universal.

Without a universal word, leaving context out is what faithful summaries do; on the sample
company's labelled pairs a rule without that condition rejected ten faithful paraphrases.
"""

from __future__ import annotations

import re

from evals.judges.facts import Facts, facts_of, stem
from evals.judges.facts.words import STOPWORDS

# Words that state a claim for every case; English function words, not a corpus list.
UNIVERSAL = frozenset("all every each any always never everyone anyone everybody".split())
# Prepositions that open a restricting phrase after a noun or a verb.
_RESTRICTING = frozenset("in at on for from of with during within under over".split())
_DETERMINERS = frozenset("a an the this that these those our your their its".split())
# Words that state a claim for some cases or some of the time (English, not a corpus list).
HEDGES = frozenset(
    "most many some often usually typically generally occasionally sometimes rarely several "
    "frequently mostly".split()
)
_PERIODS = frozenset(
    "second minute hour day week fortnight month quarter year decade other weekday monday "
    "tuesday wednesday thursday friday saturday sunday morning evening night".split()
)


def _content(token: str) -> bool:
    return token.isalpha() and token not in STOPWORDS and token not in UNIVERSAL


def _subject_head(claim: Facts) -> str | None:
    """The first content word of the claim, after any universal word and determiner."""
    for token in claim.tokens:
        if token in UNIVERSAL or token in _DETERMINERS:
            continue
        return stem(token) if _content(token) else None
    return None


def _phrase_after(tokens: tuple[str, ...], start: int) -> list[str]:
    """The content words of the prepositional phrase opening at ``start``, if one does."""
    if start >= len(tokens) or tokens[start] not in _RESTRICTING:
        return []
    words = []
    for token in tokens[start + 1 : start + 6]:
        if token in _DETERMINERS:
            continue
        if not _content(token):
            break
        words.append(token)
    return words


def dropped_restrictions(claim_text: str, evidence_text: str) -> list[str]:
    """The evidence's restrictions the claim drops while stating the rest (see module doc)."""
    claim, evidence = facts_of(claim_text), facts_of(evidence_text)
    # Without a universal word of its own a claim that leaves context out is usually a
    # faithful summary ("Satisfaction rose" for "Customer satisfaction among Gold Care
    # accounts rose"): only "all", "every", "always" ... turn the omission into a claim.
    if not _universal(claim) or _universal(evidence):
        return []
    have = set(claim.stems)
    dropped: list[str] = []
    head = _subject_head(claim)
    tokens = evidence.tokens
    if head is not None:
        at = next((i for i, t in enumerate(tokens[:8]) if stem(t) == head), None)
        if at is not None:
            before = []
            for token in reversed(tokens[:at]):
                if not _content(token):
                    break
                before.append(token)
            after = _phrase_after(tokens, at + 1)
            for word in [*reversed(before), *after]:
                if stem(word) not in have:
                    dropped.append(word)
    for i, token in enumerate(tokens):
        if token in _RESTRICTING and i > 0:
            words = _phrase_after(tokens, i)
            if words and not any(stem(w) in have for w in words):
                dropped.extend(words)
    if not HEDGES & set(claim.tokens):
        dropped.extend(t for t in tokens if t in HEDGES)
    return list(dict.fromkeys(dropped))


def _universal(facts: Facts) -> bool:
    tokens = facts.tokens
    return any(
        t in UNIVERSAL and not (t in ("every", "each") and _counts_time(tokens[i + 1 : i + 2]))
        for i, t in enumerate(tokens)
    )


def _counts_time(after: tuple[str, ...]) -> bool:
    """ "every 2 weeks", "every month": how often, not for whom."""
    return bool(after) and (
        re.fullmatch(r"\d+(?:\.\d+)?", after[0]) is not None or stem(after[0]) in _PERIOD_STEMS
    )


_PERIOD_STEMS = frozenset(stem(p) for p in _PERIODS)
