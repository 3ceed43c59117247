"""Scoring recorded answers for bench/trust.py: each record's decision under any thresholds,
why a lost item was lost, whether an answer states its reference's figure, a corpus's figures,
and the thresholds fitted on one corpus.

A record is what ``bench.trust.answer_all`` writes for one labelled question: the agent's
answer, its citations and the readings of every window of the passages it cited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import product
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evals.judges.readings import Thresholds

CLOSE_WORD_GRID = [round(0.40 + 0.02 * i, 2) for i in range(26)]
MISSING_GRID = [0, 1, 2]
RARE_SHARE_GRID = [0.0, 0.01, 0.02, 0.05, 0.1]


def cites_gold(cited: Sequence[Sequence[str]], gold: Sequence[Sequence[str]]) -> bool:
    """Whether some cited (file, section) is a gold one (the eval metrics' matching rule)."""
    from evals.metrics import SourceRef, source_matches

    return any(
        source_matches(SourceRef(c[0], c[1]), SourceRef(g[0], g[1])) for c in cited for g in gold
    )


def checked(record: dict[str, Any], limits: Thresholds) -> tuple[bool, bool] | None:
    """(the check answers, the cited passages hold nothing asked) under the given thresholds,
    from the record's readings; None when the record was not checked.

    The check only ever turns an answer into an abstention, so the recorded readings of the
    cited windows (attribute found, support per qualifier) decide for any threshold.
    """
    from evals.judges.questions import qualifiers
    from evals.judges.readings import Reading, holds_nothing

    if record["answerability"] is None:
        return None
    wanted = qualifiers(record["question"])
    readings = [Reading(**r) for r in record["readings"]]
    answers = any(r.answers(wanted, limits) for r in readings)
    return answers, holds_nothing(wanted, readings, limits)


def decide(
    record: dict[str, Any], limits: Thresholds, check: tuple[bool, bool] | None = None
) -> tuple[bool, bool]:
    """(answered, answered citing the gold file and section) in abstain mode, the mode the
    record was asked in; ``check`` is ``checked(record, limits)`` when the caller has it."""
    check = check if check is not None else checked(record, limits)
    if check is None:
        return (not record["abstained"], cites_gold(record["citations"], record["gold"]))
    answered = check[0]
    return answered, answered and cites_gold(record["answerability"]["cited"], record["gold"])


def decide_reported(
    record: dict[str, Any], limits: Thresholds, check: tuple[bool, bool] | None = None
) -> tuple[bool, bool, bool]:
    """(answered, answered citing the gold file and section, answered with a note) in report
    mode, the default, from a record asked in abstain mode with generation off.

    With generation off both modes quote the same extractive answer; report mode then shows
    it whatever the check says, with a note when it fails, and declines only when no window
    of the cited passages holds any of the question's qualifiers (``found_nothing``).
    """
    check = check if check is not None else checked(record, limits)
    if check is None:
        return (not record["abstained"], cites_gold(record["citations"], record["gold"]), False)
    answers, nothing = check
    answered = answers or not nothing
    right = answered and cites_gold(record["answerability"]["cited"], record["gold"])
    return answered, right, not answers


def loss(record: dict[str, Any], answered: bool, right: bool) -> str | None:
    """Why ``record`` was lost, given its decision (``decide``), or None when it was not.

    An answerable question is lost when it abstained before the check ran, when the check
    declined it (with or without the right passage among those it checked), or when it
    answered from another passage; a near-miss question when it was answered.
    """
    check = record["answerability"]
    if not record["answerable"]:
        return "near-miss answered" if answered else None
    if right:
        return None
    if check is None:
        return "abstained before the check"
    if answered:
        return "answered from another passage"
    if cites_gold(check["cited"], record["gold"]):
        return "declined, right passage checked"
    return "declined, right passage not checked"


def states_reference(answer: str, reference: str) -> bool | None:
    """Whether ``answer`` states a number or a date of ``reference`` (the item's reference
    answer); None when the reference holds neither (a yes/no, a name, a procedure).

    A citation of the right section can still quote a sentence that is not the answer ("Keep
    every boarding pass." for "how many days ahead must it be approved?"): this reads the
    answer itself. Numbers match by value, and by unit when both state one. One figure is
    enough: a reference written in other words ("one year (26 pay periods)") may restate what
    the documents say once.
    """
    from evals.judges.facts import facts_of
    from indexes.sentences import strip_markers

    wanted, said = facts_of(reference), facts_of(strip_markers(answer))
    if not wanted.quantities and not wanted.dates:
        return None
    return any(
        q.value == a.value and (not q.units or not a.units or bool(q.units & a.units))
        for q in wanted.quantities
        for a in said.quantities
    ) or any(d in said.dates for d in wanted.dates)


def score(records: Sequence[dict[str, Any]], limits: Thresholds) -> dict[str, Any]:
    """Near-miss declined, and answerable answered with the right file and section."""
    answerable = [r for r in records if r["answerable"]]
    near = [r for r in records if not r["answerable"]]
    # Each record checked once: a check re-reads every window of its passages.
    checks = {id(r): checked(r, limits) for r in records}
    decided = {id(r): decide(r, limits, checks[id(r)]) for r in records}
    right = sum(1 for r in answerable if decided[id(r)][1])
    declined = sum(1 for r in near if not decided[id(r)][0])
    out = {
        "answerable": len(answerable),
        "answered_right_source": round(right / max(1, len(answerable)), 4),
        "near_miss": len(near),
        "near_miss_declined": round(declined / max(1, len(near)), 4),
    }
    out["balanced"] = round((out["answered_right_source"] + out["near_miss_declined"]) / 2, 4)
    # Of the answerable questions whose reference answer holds a number or a date: the share
    # answered from the right section with an answer that states them (records made before
    # answers were kept have no "answer").
    figured = [
        (r, found)
        for r in answerable
        if "answer" in r and (found := states_reference(r["answer"], r["reference"])) is not None
    ]
    if figured:
        stated = sum(1 for r, found in figured if found and decided[id(r)][1])
        out["with_figures"] = len(figured)
        out["answered_right_with_figures"] = round(stated / len(figured), 4)
    # Of the answerable questions answered: the share of the passages each answer cites that
    # are a gold section. An answer that quotes the answering sentence and one of another
    # passage that merely reads alike cites a passage that answers nothing.
    shares = [
        sum(cites_gold([c], r["gold"]) for c in r["answerability"]["cited"])
        / len(r["answerability"]["cited"])
        for r in answerable
        if r["answerability"] and r["answerability"]["cited"] and decided[id(r)][0]
    ]
    if shares:
        out["cited_gold_share"] = round(sum(shares) / len(shares), 4)
    # The default (report) mode shows an answer that fails the check, with a note.
    reported = {id(r): decide_reported(r, limits, checks[id(r)]) for r in records}
    out["report_mode"] = {
        "answered_right_source": round(
            sum(1 for r in answerable if reported[id(r)][1]) / max(1, len(answerable)), 4
        ),
        "near_miss_declined": round(
            sum(1 for r in near if not reported[id(r)][0]) / max(1, len(near)), 4
        ),
        "near_miss_noted": round(
            sum(1 for r in near if reported[id(r)][0] and reported[id(r)][2]) / max(1, len(near)),
            4,
        ),
    }
    # Counts only, never items: the blind sets are read in aggregate.
    losses = Counter(loss(r, *decided[id(r)]) for r in records)
    out["losses"] = {k: n for k, n in losses.most_common() if k is not None}
    return out


def fit(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The thresholds with the best balanced figure. Ties go to the fewest missing words
    allowed, then the lowest rare share (the rule that excludes least), then the middle of the
    run of close-word cuts."""
    from evals.judges.readings import Thresholds

    grid = list(product(MISSING_GRID, RARE_SHARE_GRID, CLOSE_WORD_GRID))
    scored = [(score(records, Thresholds(c, k, r))["balanced"], k, r, c) for k, r, c in grid]
    best = max(s for s, *_ in scored)
    winners = [(k, r, c) for s, k, r, c in scored if s == best]
    k = min(k for k, _, _ in winners)
    r = min(rr for kk, rr, _ in winners if kk == k)
    cuts = [c for kk, rr, c in winners if kk == k and rr == r]
    return {
        "max_missing_common": k,
        "rare_share": r,
        "close_word": cuts[len(cuts) // 2],
        "balanced": best,
    }


def thresholds(fitted: dict[str, Any]) -> Thresholds:
    """The thresholds of a ``fit`` result."""
    from evals.judges.readings import Thresholds

    return Thresholds(fitted["close_word"], fitted["max_missing_common"], fitted["rare_share"])
