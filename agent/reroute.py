"""The route after retrieval: relevance and coverage overrule the router.

These are the policy's safety valves: nothing relevant turns rag into none (abstain), a
low-confidence adapter route also retrieves and becomes both when the documents do cover the
question, and a "none" guess with clearly relevant documents becomes rag.
"""

from __future__ import annotations

from typing import Any

from agent.context import AgentConfig
from agent.coverage import Coverage
from agent.state import AgentState, route_update

# A "none" guess is overturned only by clearly relevant documents, not borderline ones.
NONE_OVERRIDE_MARGIN = 0.15


def reroute(
    state: AgentState, best: float, cov: Coverage, unknown: list[str], cfg: AgentConfig
) -> dict[str, Any]:
    """The route update after retrieval, or ``{}`` when the router's route stands.

    ``unknown``: identifiers of the question that no document the caller may read mentions;
    the adapter learned from the same company knowledge, so it is not asked about them either.
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
    relevant = best >= cfg.min_relevance
    # Coverage checks the question's own terms; a writing task ("both") is full of scenario
    # details (a customer's name, an aisle number) that no document mentions, so only
    # relevance decides for it.
    covered = relevant and (cov.covered or bool(state.get("writing")))
    note = f"best source relevance {best:.2f}, threshold {cfg.min_relevance:.2f}"
    if relevant and not cov.covered:
        note = f"{cov.describe()}; {note}"
    if route in ("rag", "both") and not covered:
        return route_update(
            "none", f"the documents you can access do not cover this ({note})", confidence, by
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
