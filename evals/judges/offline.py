"""The offline judge: align each claim to its best premise sentence, then check the facts agree.

No download, no GPU, deterministic. For every clause of the claim it finds the premise sentence
(or pair of adjacent sentences) that best supports it, scoring

    base  = SIMILARITY_WEIGHT * cosine(claim, unit) + (1 - SIMILARITY_WEIGHT) * word coverage
    score = base * product of penalties for every fact the unit does not back

The facts (evals.judges.facts) are the claim's numbers with their units, dates, names and
codes, value words (colours, periods), polarity (negation, restriction, dropped exceptions),
comparative words (rose/fell), which name or value each fact is bound to (the "international"
per diem is $90, not $65), and noun phrases put in place of the evidence's ("a hard hat" where
the evidence lists a vest and footwear). A claim is as strong as its weakest clause, so an added
claim ("..., and it clears itself after one minute") fails on its own.

The embedder is the bundled all-MiniLM-L6-v2 whatever ``embed_model`` says: the threshold was
calibrated with it (``python -m evals.judges.calibration``) and means nothing for another model.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evals.citations import strip_markers
from evals.judges import binding as B
from evals.judges import facts as F
from evals.judges.clauses import Unit, clauses, evidence_clauses, list_units, premise_units
from evals.judges.facts import facts_of
from evals.judges.facts.polarity import is_negation, negated_apart, prefixed_negations
from evals.judges.generalisation import dropped_restrictions
from evals.judges.passages import MAX_LISTED
from evals.judges.protocol import BatchJudge, Judgement, Pair, as_premises
from evals.judges.substitutions import WordVectors, substitutions
from indexes.embeddings import Embedder

VERSION = 20
# Fitted with the reference (torch) vectors on evals.judges.calibration.fitting_pairs (the
# sample company's calibration split and the first 18F set; never a set it is reported on) by
# ``python -m evals.judges.calibration``; bench/results/trust.json has the held-out figures.
DEFAULT_THRESHOLD = 0.5816
SIMILARITY_WEIGHT = 0.4
# Multiplicative penalties, one per unbacked fact. A changed number or date is the commonest
# hallucination and nearly always decisive; a missing name is weaker evidence (paraphrases
# drop titles), polarity flips are decisive when the rest of the sentence matches.
PENALTY = {
    "quantity": 0.35,
    "date": 0.35,
    "entity": 0.5,
    "entity_elsewhere": 0.85,
    "negation": 0.4,
    "antonym": 0.5,
    "binding": 0.4,
    "substitution": 0.6,
    "generalisation": 0.5,
}
# A reworded claim word counts for its similarity to the closest evidence word from here up
# (chosen on the sample company's calibration split, like the threshold).
SOFT_WORD_FLOOR = 0.5
# Units scored in full per clause, after a cheap ranking by similarity and word coverage.
_SHORTLIST = 12


@dataclass(frozen=True)
class Alignment:
    """The best premise unit for one claim clause, and what did not agree."""

    clause: str
    unit: str
    similarity: float
    coverage: float
    problems: tuple[str, ...]
    score: float
    nearby: str = ""  # the unit's neighbourhood: where a following clause must be stated


def _carriers(claim: F.Facts, unit: Unit) -> list[str]:
    """The premise clauses that carry most of the claim's words."""
    parts = [c for s in unit.sentences for c in evidence_clauses(s)]
    covers = [F.coverage(claim, facts_of(c)) for c in parts]
    top = max(covers)
    return [c for c, cover in zip(parts, covers, strict=True) if cover >= top - 1e-9]


def _negation_differs(clause: str, claim: F.Facts, unit: Unit) -> bool:
    """Polarity is read from the premise clauses that carry the claim's words, not the whole
    unit: in "remote employees receive $40 per month; hybrid employees do not" the negation
    belongs to the hybrid clause. It differs only when every best-matching clause disagrees.

    "Only reimbursed if the CFO approves" and "not reimbursed unless the CFO approves" say the
    same: a restriction in the claim matches a negated exception in the premise.
    """
    restricted = F.states_restriction(clause)
    whole = facts_of(unit.text)

    def agrees(text: str) -> bool:
        # "Hours you do not use" and "unused hours": a prefix negates when the other side
        # negates the same root with a word.
        evidence = facts_of(text)
        negated = claim.negations + prefixed_negations(clause, whole.stems) > 0
        theirs = evidence.negations + prefixed_negations(text, claim.stems) > 0
        if restricted and theirs and F.states_exception(text):
            return True
        return theirs == negated

    return not any(agrees(c) for c in _carriers(claim, unit))


def _restriction_added(clause: str, claim: F.Facts, unit: Unit) -> bool:
    """The claim says "only the front lidar"; the premise restricts nothing."""
    return F.states_restriction(clause) and not any(
        F.states_restriction(c) or F.states_exception(c) for c in _carriers(claim, unit)
    )


def _exception_dropped(clause: str, claim: F.Facts, unit: Unit) -> bool:
    """The premise says "not reimbursed unless the CFO approves"; the claim says "never"."""
    return not F.states_condition(clause) and all(
        F.states_exception(c) for c in _carriers(claim, unit)
    )


def soft_coverage(claim: F.Facts, evidence: F.Facts, vectors: WordVectors | None = None) -> float:
    """Share of the claim's content words the evidence has, a reworded word counting for its
    similarity to the closest evidence word ("urgency" for "urgent", "accrue" for "earn")
    when that is at least ``SOFT_WORD_FLOOR``; exact stems only without ``vectors``."""
    if vectors is None or not claim.content:
        return F.coverage(claim, evidence)
    others = [w for w in evidence.words if w in vectors]
    matrix = np.stack([vectors[w] for w in others]) if others else None
    total = 0.0
    for word_stem, word in zip(claim.content, claim.words, strict=True):
        if word_stem in evidence.stems:
            total += 1.0
        elif matrix is not None and word in vectors:
            best = float(np.max(matrix @ vectors[word]))
            total += best if best >= SOFT_WORD_FLOOR else 0.0
    return total / len(claim.content)


def compare(
    clause: str, unit: Unit, similarity: float, word_vectors: WordVectors | None = None
) -> Alignment:
    """Score one clause against one premise unit (the similarity is computed by the caller)."""
    claim, evidence = facts_of(clause), facts_of(unit.text)
    cover = soft_coverage(claim, evidence, word_vectors)
    problems: list[str] = []
    factor = 1.0
    for q in F.missing_quantities(claim, evidence):
        problems.append(f"{q} not in the evidence")
        factor *= PENALTY["quantity"]
    for d in F.missing_dates(claim, evidence):
        problems.append(f"date {d} not in the evidence")
        factor *= PENALTY["date"]
    nearby = facts_of(unit.nearby)
    for e in F.missing_entities(claim, evidence):
        # A name the neighbouring sentences use is context ("the robot" right after a
        # sentence about the S4), not an invention; it still weakens the match a little.
        rival = B.replaced_by(claim, evidence, e)
        # ... unless this sentence names a rival of its kind (Gold Care where the claim says
        # Standard Care): then the claim may have swapped them.
        elsewhere = F.stem(e) in nearby.stems and not B.has_rival(claim, evidence, e)
        if rival is not None:
            problems.append(
                f"{e!r} not in the evidence, which has {B.surface(evidence, rival)!r} there"
            )
            factor *= PENALTY["entity"]
            continue
        problems.append(
            f"{e!r} not in this sentence" if elsewhere else f"{e!r} not in the evidence"
        )
        factor *= PENALTY["entity_elsewhere" if elsewhere else "entity"]
    # A condition ("if the CFO approves") asserts nothing by itself: only its facts count.
    conditional = clause.lstrip().lower().startswith(("if ", "unless "))
    negation_differs = not conditional and _negation_differs(clause, claim, unit)
    if _exception_dropped(clause, claim, unit):
        problems.append("the evidence states an exception the claim leaves out")
        factor *= PENALTY["negation"]
    if _restriction_added(clause, claim, unit):
        problems.append("the claim restricts what the evidence does not")
        factor *= PENALTY["negation"]
    antonyms = F.antonym_conflicts(claim, evidence)
    # "does not include" against "excludes": a negated opposite says the same. Not when the
    # opposite is the negation itself: "never need" against "must always" is a flip.
    opposites = [(a, b) for a, b in antonyms if not (is_negation(a) or is_negation(b))]
    if negation_differs and opposites:
        pass
    else:
        if negation_differs:
            problems.append("negation differs")
            factor *= PENALTY["negation"]
        elif not conditional and not (
            F.states_restriction(clause) and F.states_exception(unit.text)
        ):
            # Both sides negate something, or neither does, but not the same thing. ("Only
            # reimbursed if approved" says "not reimbursed unless approved": no flip.)
            for word in negated_apart(clause, unit.text, frozenset(claim.stems)):
                problems.append(f"{word!r} is negated on one side only")
                factor *= PENALTY["negation"]
        for mine, theirs in antonyms:
            problems.append(f"claim says {mine!r}, evidence says {theirs!r}")
            factor *= PENALTY["antonym"]
    if word_vectors is not None:
        for mine, theirs in substitutions(claim, evidence, word_vectors):
            problems.append(f"claim says {mine!r} where the evidence says {theirs!r}")
            factor *= PENALTY["substitution"]
    # A generalisation drops a restriction of the clause that states the claim; it counts
    # only when every clause that carries the claim's words restricts what the claim does not.
    dropped = [dropped_restrictions(clause, c) for c in _carriers(claim, unit)]
    if dropped and all(dropped):
        problems.append(f"the claim drops the evidence's restriction {' '.join(dropped[0])!r}")
        factor *= PENALTY["generalisation"]
    parts = [facts_of(c) for s in unit.sentences for c in evidence_clauses(s)]
    for problem in B.misbound(claim, evidence) + B.misplaced_names(claim, parts):
        problems.append(problem)
        factor *= PENALTY["binding"]
    base = SIMILARITY_WEIGHT * max(similarity, 0.0) + (1 - SIMILARITY_WEIGHT) * cover
    return Alignment(
        clause, unit.text, similarity, cover, tuple(problems), base * factor, unit.nearby
    )


def _counts_unstated(parts: Sequence[str], units: Sequence[Unit]) -> bool:
    """Whether a clause states a count (2 to ``MAX_LISTED``) that no premise sentence does: only
    then may a whole list, counted, back it (``list_units``)."""
    counts = {
        q.value
        for part in parts
        for q in facts_of(part).quantities
        if q.value.is_integer() and 2 <= q.value <= MAX_LISTED
    }
    if not counts:
        return False
    stated = {q.value for u in units if len(u.sentences) == 1 for q in facts_of(u.text).quantities}
    return bool(counts - stated)


class OfflineJudge(BatchJudge):
    """Embedding alignment plus number, date, name and polarity agreement."""

    name = "offline"

    def __init__(
        self, embedder: Embedder, *, threshold: float = DEFAULT_THRESHOLD, window: int = 2
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.window = window
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._max_vectors = 50_000

    @property
    def fingerprint(self) -> str:
        return f"offline:v{VERSION}:{self.embedder.name}:w{self.window}:t{self.threshold:.4f}"

    def _embed(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                self._vectors[text] = vector
            while len(self._vectors) > self._max_vectors:
                self._vectors.popitem(last=False)
        return {t: self._vectors[t] for t in texts}

    def align_many(self, pairs: Sequence[Pair]) -> list[list[Alignment]]:
        """For each pair, the best alignment of each claim clause (the calibration reads these)."""
        prepared = []
        for premises, sentence in pairs:
            passages = as_premises(premises)
            units = premise_units(passages, self.window)
            parts = clauses(strip_markers(sentence))
            if _counts_unstated(parts, units):
                units += list_units(passages)
            prepared.append((units, parts))
        texts = [t for units, parts in prepared for t in (*(u.text for u in units), *parts)]
        words = {w for t in texts for w in facts_of(t).words}
        vectors = self._embed([*texts, *sorted(words)])
        results: list[list[Alignment]] = []
        for units, parts in prepared:
            if not units:
                results.append(
                    [Alignment(p, "", 0.0, 0.0, ("no premise text",), 0.0) for p in parts]
                )
                continue
            unit_matrix = np.stack([vectors[u.text] for u in units])
            best: list[Alignment] = []
            for part in parts:
                sims = unit_matrix @ vectors[part]
                claim = facts_of(part)
                # A clause that continues the one before ("..., then raises E-322") must be
                # stated near it, not anywhere in a long document.
                allowed = [
                    n
                    for n, u in enumerate(units)
                    if not best or any(s in best[-1].nearby for s in u.sentences)
                ]
                # Penalties only lower a score, so the best unit is nearly always among the
                # best by similarity and coverage; the full comparison is the expensive part.
                rough = {
                    n: SIMILARITY_WEIGHT * float(sims[n])
                    + (1 - SIMILARITY_WEIGHT) * F.coverage(claim, facts_of(units[n].text))
                    for n in allowed
                }
                order = sorted(rough, key=lambda n: -rough[n])[:_SHORTLIST]
                candidates = [compare(part, units[n], float(sims[n]), vectors) for n in order]
                best.append(max(candidates, key=lambda a: (a.score, a.similarity)))
            results.append(best)
        return results

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        return [self.verdict(aligned) for aligned in self.align_many(pairs)]

    def score(self, aligned: Sequence[Alignment]) -> float:
        """A claim is as well supported as its weakest clause."""
        return min(a.score for a in aligned)

    def verdict(self, aligned: Sequence[Alignment]) -> Judgement:
        score = round(self.score(aligned), 4)
        supported = score >= self.threshold
        evidence = " … ".join(dict.fromkeys(a.unit for a in aligned if a.unit))
        if not supported:
            weakest = min(aligned, key=lambda a: a.score)
            why = "; ".join(weakest.problems) or (
                f"weak match (similarity {weakest.similarity:.2f}, "
                f"word coverage {weakest.coverage:.2f})"
            )
            evidence = f"{weakest.unit} [not supported: {why}]" if weakest.unit else why
        return Judgement(supported=supported, score=score, evidence=evidence)
