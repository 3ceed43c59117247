"""Which subject each fact of a claim is bound to, compared with the evidence.

A claim can use only words and numbers from its evidence and still be false, by moving a fact
to another subject: "the international per diem is $65" against "the domestic per diem is $65
and the international per diem is $90". These checks compare the words around each number,
date, name and polar word in the claim with the words around the same item, and around its
rivals (another value of the same kind, another name, the opposite word), in the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from evals.judges.facts import ANTONYMS, POLAR, VALUE_KIND, Facts, Quantity, Term, stem


def _context(terms: Sequence[Term], i: int, k: int) -> tuple[set[str], set[str]]:
    """Words (not numbers or dates) within ``k`` terms before and after position ``i``."""

    def words(part: Sequence[Term]) -> set[str]:
        return {t.stem for t in part if t.quantity is None and t.date is None}

    return words(terms[max(0, i - k) : i]), words(terms[i + 1 : i + 1 + k])


def _name_context(terms: Sequence[Term], i: int, k: int) -> tuple[set[str], set[str]]:
    """The plain words around the name containing position ``i``, up to the next name.

    In "Harbor Freightways is on the Premium support tier", "support tier" describes Premium,
    not Harbor Freightways; names next to names ("Hollis Brennan, the Safety Officer") say
    nothing about which one is which.
    """

    def is_name(j: int) -> bool:
        return terms[j].entity and not terms[j].value

    def touching(a: int, b: int) -> bool:
        return terms[b].position - terms[a].position == 1

    start, end = i, i
    while start > 0 and is_name(start - 1) and touching(start - 1, start):
        start -= 1
    while end + 1 < len(terms) and is_name(end + 1) and touching(end, end + 1):
        end += 1

    def walk(indices: range) -> set[str]:
        words: set[str] = set()
        for j in indices:
            term = terms[j]
            if is_name(j) or len(words) >= k:
                break
            if term.quantity is None and term.date is None:
                words.add(term.stem)
        return words

    return walk(range(start - 1, -1, -1)), walk(range(end + 1, len(terms)))


def _binding(
    claim_context: tuple[set[str], set[str]], terms: Sequence[Term], j: int, k: int
) -> int:
    """How many of the claim's neighbouring words surround position ``j`` of the evidence, on
    the same side: "the domestic per diem is $65" binds $65 to "domestic", not to what follows.
    """
    left, right = _context(terms, j, k)
    return len(claim_context[0] & left) + len(claim_context[1] & right)


def _kind(name: str) -> str:
    """Names only displace names of their kind: a code (E-214, 3.8.2) for a code, a colour for
    a colour, a month for a month, any other name for another name."""
    if any(c.isdigit() for c in name):
        return "code"
    return VALUE_KIND.get(name, "word")


def _rivals(name: str, candidate: Term) -> bool:
    return candidate.entity and candidate.stem != name and _kind(candidate.stem) == _kind(name)


def _comparable(a: Quantity, b: Quantity) -> bool:
    """Could one value stand in for the other? Same unit, or both bare and of similar size."""
    if a.units or b.units:
        return bool(a.units & b.units)
    low, high = sorted((abs(a.value), abs(b.value)))
    return high <= 10 * max(low, 1.0)


def surface(facts: Facts, word_stem: str) -> str:
    """The word as the text wrote it, given its stem."""
    return dict(zip(facts.content, facts.words, strict=True)).get(word_stem, word_stem)


def _shown(facts: Facts, term: Term) -> str:
    """A term as the text wrote it, for explanations."""
    if term.quantity is not None:
        return str(term.quantity)
    if term.date is not None:
        return str(term.date)
    return dict(zip(facts.content, facts.words, strict=True)).get(term.stem, term.stem)


def has_rival(claim: Facts, evidence: Facts, name: str) -> bool:
    """Whether the evidence names something of ``name``'s kind that the claim does not."""
    names = {t.stem for t in claim.terms if t.entity}
    return any(_rivals(stem(name), t) and t.stem not in names for t in evidence.terms)


def replaced_by(claim: Facts, evidence: Facts, name: str, *, k: int = 4) -> str | None:
    """The evidence name standing where the claim has ``name`` (which the evidence lacks).

    "Harbor Freightways pays for the Standard support tier" against "... pays for the Premium
    support tier": Premium has Standard's plain-word neighbours on both sides.
    """
    positions = [i for i, t in enumerate(claim.terms) if t.entity and t.stem == stem(name)]
    if not positions:
        return None
    names = {t.stem for t in claim.terms if t.entity}
    context = _name_context(claim.terms, positions[0], _NAME_K)
    best, best_score = None, 0
    for j, term in enumerate(evidence.terms):
        if _rivals(stem(name), term) and term.stem not in names:
            left, right = _name_context(evidence.terms, j, _NAME_K)
            score = len(context[0] & left) + len(context[1] & right)
            if score > best_score:
                best, best_score = term.stem, score
    return best if best_score >= _MIN_RIVAL_BINDING else None


# A rival must share at least this many neighbours with the claim to count as displacing it.
_MIN_RIVAL_BINDING = 2
_NAME_K = 2


def misbound(claim: Facts, evidence: Facts, *, k: int = 4, margin: int = 1) -> list[str]:
    """Claim facts that the evidence states, but next to other words than the claim does.

    For every quantity, date, name and polar word of the claim that also occurs in the
    evidence, compare how well its claim neighbours surround it there with how well they
    surround a rival (another value of the same kind, another name, the opposite word). A
    rival that fits clearly better means the claim moved the fact: "the international per diem
    is $65" against "the domestic per diem is $65 ... the international per diem is $90".
    """
    problems: list[str] = []
    ev = evidence.terms
    # A unit of a claim quantity the evidence states only as a total ("80 hours" for "8 hours
    # every day, for 10 work days") belongs to that total, not to a word next to it.
    totalled = {
        u
        for q in claim.quantities
        if any(q.matches(t.quantity) for t in evidence.totals)
        and not any(q.matches(e) for e in evidence.quantities)
        for u in q.units
    }
    for i, term in enumerate(claim.terms):
        if term.value and term.stem in totalled:
            continue
        if term.quantity is not None:
            q = term.quantity
            same = [j for j, e in enumerate(ev) if e.quantity is not None and q.matches(e.quantity)]
            rivals = [
                j
                for j, e in enumerate(ev)
                if e.quantity is not None
                and not q.matches(e.quantity)
                and _comparable(q, e.quantity)
            ]
        elif term.date is not None:
            d = term.date
            same = [j for j, e in enumerate(ev) if e.date is not None and d.matches(e.date)]
            rivals = [j for j, e in enumerate(ev) if e.date is not None and not d.matches(e.date)]
        elif term.entity:
            same = [j for j, e in enumerate(ev) if e.stem == term.stem]
            # The other words of the same name ("Standard" in "Standard Care") are not rivals.
            partners = {
                t.stem
                for t in claim.terms[max(0, i - 1) : i + 2]
                if t.entity and abs(t.position - term.position) == 1
            }
            rivals = [
                j for j, e in enumerate(ev) if _rivals(term.stem, e) and e.stem not in partners
            ]
        elif term.stem in POLAR:
            opposite = {b for a, b in ANTONYMS if a == term.stem} | {
                a for a, b in ANTONYMS if b == term.stem
            }
            same = [j for j, e in enumerate(ev) if e.stem == term.stem]
            rivals = [j for j, e in enumerate(ev) if e.stem in opposite]
        else:
            continue
        if not same or not rivals:
            continue
        if term.entity:
            # Names are compared by the plain words right next to them (up to the next name):
            # "Priya Okafor will lead the project, with Marcus Lindqvist ..." gives "lead" to
            # Okafor. Wider windows mistake reordered paraphrases for swaps.
            context = _name_context(claim.terms, i, _NAME_K)

            def bind(j: int, context: tuple[set[str], set[str]] = context) -> int:
                left, right = _name_context(ev, j, _NAME_K)
                return len(context[0] & left) + len(context[1] & right)
        else:
            context = _context(claim.terms, i, k)

            def bind(j: int, context: tuple[set[str], set[str]] = context) -> int:
                return _binding(context, ev, j, k)

        own = max(bind(j) for j in same)
        best_rival = max(rivals, key=bind)
        rival = bind(best_rival)
        if rival >= max(own + margin, _MIN_RIVAL_BINDING):
            problems.append(
                f"{_shown(claim, term)!r} belongs to {_shown(evidence, ev[best_rival])!r} "
                "in the evidence"
            )
    return problems


def misplaced_names(claim: Facts, clauses: Sequence[Facts]) -> list[str]:
    """Claim names absent from the clause that states the claim's other names, where that
    clause has a rival name in their place.

    "After 4 hours a P2 escalates to the VP" against "After 4 hours a P1 escalates to the VP,
    while a P2 escalates to the Support Manager": the clause naming the VP names P1, not P2.
    """
    names = [(i, t) for i, t in enumerate(claim.terms) if t.entity and not t.value]
    stems = {t.stem for _, t in names}
    problems: list[str] = []
    clause_stems = [{t.stem for t in c.terms} for c in clauses]
    for i, term in names:
        others = stems - {term.stem}
        overlaps = [len(others & cs) for cs in clause_stems]
        if not overlaps or max(overlaps) == 0:
            continue
        mains = [j for j, o in enumerate(overlaps) if o == max(overlaps)]
        if any(term.stem in clause_stems[j] for j in mains):
            continue
        context = _name_context(claim.terms, i, _NAME_K)
        for j in mains:
            for n, candidate in enumerate(clauses[j].terms):
                if not _rivals(term.stem, candidate) or candidate.stem in stems:
                    continue
                left, right = _name_context(clauses[j].terms, n, _NAME_K)
                if len(context[0] & left) + len(context[1] & right) >= 1:
                    problems.append(
                        f"{_shown(claim, term)!r} is stated with "
                        f"{_shown(clauses[j], candidate)!r}, not with the claim's other names"
                    )
                    break
            else:
                continue
            break
    return problems
