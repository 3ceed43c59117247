"""The route after retrieval: relevance and coverage overrule the router.

These are the policy's safety valves: nothing relevant turns rag into none (abstain), a
low-confidence adapter route also retrieves and becomes both when the documents do cover the
question, a question asking for a figure (how many, how much, what is the X midpoint) that the
caller's documents clearly cover never goes to the adapter alone (its prose would have nothing
to be checked against), and a "none" guess with clearly relevant documents becomes rag.
"""

from __future__ import annotations

import re
from typing import Any

from agent.context import AgentConfig
from agent.coverage import Coverage
from agent.state import AgentState, route_update
from indexes.terms import WordUse

# A "none" guess is overturned only by clearly relevant documents, not borderline ones.
NONE_OVERRIDE_MARGIN = 0.15
# Questions that ask for a figure: a fact that changes and must be traceable, never the
# adapter's alone (the routing policy's "facts that change" case).
_ASKS_FOR_FIGURE = re.compile(
    r"\b(?:how\s+(?:many|much|long|often|far|old|big|large|fast|heavy)|"
    r"what\s+(?:is|are|was|were)\s+the\s+(?:[\w-]+\s+){0,4}?(?:price|cost|rate|limit|amount|"
    r"number|percentage|percent|midpoint|minimum|maximum|salary|fee|deadline|date|band|budget|"
    r"allowance|size|capacity|speed|weight|duration|threshold|range)s?\b|"
    r"what\s+(?:percent|percentage)\b)",
    re.IGNORECASE,
)


NO_WORDS = WordUse()  # nothing looked up


def unused_note(use: WordUse) -> str:
    """ "; none of them uses 'vacaciones' or 'días'", with a hint when most of the question's
    words are unused (a misspelling; another language than the documents' when the question
    holds no English function word); "" when every word is used."""
    if not use.unused:
        return ""
    quoted = [f"'{w}'" for w in use.unused]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    note = f"; none of them uses {listed}"
    if use.mostly_unused:
        note += ": check the spelling"
        if not use.reads_as_english:
            note += ", or ask in the language the documents are written in"
    return note


def asks_for_figure(question: str) -> bool:
    """Whether ``question`` asks for a number, amount, date or range."""
    return _ASKS_FOR_FIGURE.search(question) is not None


def reroute(
    state: AgentState,
    best: float,
    cov: Coverage,
    unknown: list[str],
    cfg: AgentConfig,
    words: WordUse = NO_WORDS,
) -> dict[str, Any]:
    """The route update after retrieval, or ``{}`` when the router's route stands.

    ``unknown``: identifiers of the question that no document the caller may read mentions;
    the adapter learned from the same company knowledge, so it is not asked about them either.
    ``words``: the question's words that no such document uses (looked up only when no
    source reached the bar); a declined answer names them.
    """
    route = state["route"]
    by = state.get("route_by", "")
    confidence = state.get("route_confidence", 0.0)
    reason = state.get("route_reason", "")
    if unknown and route in ("rag", "adapter") and by != "caller" and not state.get("writing"):
        return route_update(
            "none",
            f"no document you can access mentions {', '.join(unknown)}",
            confidence,
            "relevance",
        )
    relevant = best >= cfg.min_relevance or cov.names_what_is_asked
    # Coverage checks the question's own terms; a writing task ("both") is full of scenario
    # details (a customer's name, an aisle number) that no document mentions, so only
    # relevance decides for it.
    covered = relevant and (cov.covered or bool(state.get("writing")))
    note = f"best source relevance {best:.2f}, threshold {cfg.min_relevance:.2f}"
    if best < cfg.min_relevance and relevant:
        note = f"a source names {', '.join(cov.named)}; {note}"
    if relevant and not cov.covered:
        note = f"{cov.describe()}; {note}"
    if route in ("rag", "both") and not covered:
        reason = f"the documents you can access do not cover this ({note})"
        return route_update("none", reason + unused_note(words), confidence, by)
    clearly = covered and best >= cfg.min_relevance + NONE_OVERRIDE_MARGIN
    if (
        route == "adapter"
        and by != "caller"
        and clearly
        and asks_for_figure(state.get("standalone", ""))
    ):
        return route_update(
            "both",
            f"{reason}; but it asks for a figure your documents cover ({note}), so sources "
            "back the adapter and its sentences are verified",
            confidence,
            "relevance",
        )
    unsure = by == "classifier" and confidence < cfg.min_confidence
    if route == "adapter" and unsure:
        if covered:
            return route_update(
                "both",
                f"{reason}; unsure of the route ({confidence:.2f} < {cfg.min_confidence:.2f})"
                f" and the documents cover it ({note}), so sources back the adapter",
                confidence,
                "relevance",
            )
        return route_update(
            "none",
            f"unsure the domain adapter knows this ({confidence:.2f} < "
            f"{cfg.min_confidence:.2f}) and the documents do not cover it ({note})",
            confidence,
            "relevance",
        )
    if (
        route == "none"
        and by == "classifier"
        and covered
        and best >= cfg.min_relevance + NONE_OVERRIDE_MARGIN
    ):
        return route_update(
            "rag",
            f"looked out of scope, but the documents cover it ({note})",
            confidence,
            "relevance",
        )
    return {}
