"""The eval metrics of one answer, as defined (with worked examples) in docs/metrics.md.

ALCE citation recall and precision, citation correctness against gold sources, whether the
cited passages answer the question that was asked, token F1,
semantic similarity, the abstention outcome, retrieval recall@k and reciprocal rank, each of
one answer; and the abstention counts and route confusion table a run records besides its
metrics. evals/runs/scoring.py applies these to each item of a run; evals/runs/summary.py adds
the items' results up to the run's metrics. A rate whose denominator is zero has ``value``
None (reported as "n/a" with the reason), never NaN, so an empty category cannot pass a
regression gate by accident.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np

from evals.citations import split_cited_sentences
from evals.judges.answerability import AnswerCheck, check_answer
from evals.judges.passages import Evidence
from evals.judges.protocol import Judge
from evals.judges.readings import cached_word_vectors
from indexes.embeddings import Embedder

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> list[str]:
    """SQuAD normalisation: lower case, no punctuation, no articles, split on whitespace.

    The one definition of answer tokens: eval metrics and training manifests
    (training/answer_f1.py) both use it.
    """
    return _ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split()


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall after normalisation (SQuAD's F1).

    Two empty texts score 1.0; one empty text scores 0.0.
    """
    pred, ref = normalize_answer(prediction), normalize_answer(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Ratio:
    """``numerator / denominator``; ``value`` is None when the denominator is zero."""

    numerator: float
    denominator: float

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}


# --- Citation quality, as ALCE (Gao et al., 2023) defines it ----------------------------------


@dataclass(frozen=True)
class SentenceCitations:
    """One answer sentence: its citations, whether they jointly support it, which are irrelevant."""

    text: str
    citations: tuple[int, ...]
    supported: bool
    irrelevant: tuple[int, ...] = ()


@dataclass(frozen=True)
class CitationScores:
    """ALCE citation recall and precision of one answer."""

    recall: float
    precision: float
    sentences: tuple[SentenceCitations, ...]
    citations: int


def alce_citations(judge: Judge, answer: str, passages: Sequence[str]) -> CitationScores | None:
    """Citation recall and precision of one answer whose ``[n]`` markers cite ``passages``.

    Recall: the share of sentences whose cited passages, read together, entail the sentence (a
    sentence without citations, or citing a passage that does not exist, is not supported).
    Precision: the share of citations that are relevant. A citation of a supported sentence
    with several citations is irrelevant when it does not entail the sentence alone and the
    other citations still do without it; a citation of an unsupported sentence earns nothing.
    Returns None for an answer with no sentences (an abstention is scored by the abstention
    metrics instead).
    """
    sentences = split_cited_sentences(answer)
    if not sentences:
        return None

    def valid(refs: tuple[int, ...]) -> bool:
        return bool(refs) and all(1 <= r <= len(passages) for r in refs)

    joint_pairs = [
        ([passages[r - 1] for r in s.citations], s.text) for s in sentences if valid(s.citations)
    ]
    joint = iter(judge.judge_many(joint_pairs)) if joint_pairs else iter(())
    supported = [next(joint).supported if valid(s.citations) else False for s in sentences]

    # Second pass, only for supported sentences with several citations: each citation alone,
    # and the others without it.
    probes: list[tuple[list[str], str]] = []
    for s, ok in zip(sentences, supported, strict=True):
        if ok and len(s.citations) > 1:
            for r in s.citations:
                probes.append(([passages[r - 1]], s.text))
                probes.append(([passages[x - 1] for x in s.citations if x != r], s.text))
    answers = iter(judge.judge_many(probes)) if probes else iter(())

    results: list[SentenceCitations] = []
    relevant = 0
    for s, ok in zip(sentences, supported, strict=True):
        irrelevant: list[int] = []
        if ok and len(s.citations) > 1:
            for r in s.citations:
                alone, rest = next(answers).supported, next(answers).supported
                if not alone and rest:
                    irrelevant.append(r)
                else:
                    relevant += 1
        elif ok:
            relevant += len(s.citations)
        results.append(SentenceCitations(s.raw, s.citations, ok, tuple(irrelevant)))
    total = sum(len(s.citations) for s in sentences)
    return CitationScores(
        recall=sum(supported) / len(sentences),
        precision=relevant / total if total else 0.0,
        sentences=tuple(results),
        citations=total,
    )


# --- Citation correctness against gold sources ------------------------------------------------


@dataclass(frozen=True)
class SourceRef:
    """A cited or retrieved location: a source file, and optionally a section path and a page."""

    source: str
    section: str | None = None
    page: int | None = None


def _path_parts(source: str) -> list[str]:
    return [p for p in source.replace("\\", "/").strip().lower().split("/") if p and p != "."]


def _headings(section: str) -> list[str]:
    return [" ".join(h.split()).lower() for h in section.split(">") if h.strip()]


def source_matches(found: SourceRef, gold: SourceRef) -> bool:
    """Whether ``found`` points at ``gold``.

    Sources match when one path ends with the other at a folder boundary (``policies/pto.md``
    matches ``public/policies/pto.md``), case-insensitively. When the gold names a section, its
    deepest heading must be one of the found section's headings (the found chunk is that section
    or inside it). When the gold names a page, the pages must be equal.
    """
    a, b = _path_parts(found.source), _path_parts(gold.source)
    if not a or not b:
        return False
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if longer[-len(shorter) :] != shorter:
        return False
    if gold.section:
        if not found.section:
            return False
        if _headings(gold.section)[-1] not in _headings(found.section):
            return False
    return gold.page is None or found.page == gold.page


@dataclass(frozen=True)
class CorrectnessScores:
    """Citation correctness of one answer against its gold sources."""

    precision: Ratio  # cited locations that match a gold source / cited locations
    recall: Ratio  # gold sources matched by a citation / gold sources


def citation_correctness(
    cited: Sequence[SourceRef], gold: Sequence[SourceRef]
) -> CorrectnessScores:
    """Precision and recall of the sources an answer cites (repeats counted once)."""
    unique = list(dict.fromkeys(cited))
    matched_cited = sum(1 for c in unique if any(source_matches(c, g) for g in gold))
    matched_gold = sum(1 for g in gold if any(source_matches(c, g) for c in unique))
    return CorrectnessScores(
        precision=Ratio(matched_cited, len(unique)), recall=Ratio(matched_gold, len(gold))
    )


# --- Answer correctness -----------------------------------------------------------------------


def semantic_similarity(
    embedder: Embedder, predictions: Sequence[str], references: Sequence[str]
) -> list[float]:
    """Cosine similarity of each prediction with its reference under ``embedder``."""
    if len(predictions) != len(references):
        raise ValueError("predictions and references must have the same length")
    if not predictions:
        return []
    a = embedder.embed(list(predictions))
    b = embedder.embed(list(references))
    return [float(x) for x in np.sum(a * b, axis=1)]


# --- Answers the question ---------------------------------------------------------------------


def answers_question(
    question: str,
    cited: Sequence[tuple[str, str, str]],
    embedder: Embedder | None = None,
) -> AnswerCheck:
    """Whether the passages an answer cites, ``(file, section, quote)`` each, hold what the
    question asks: its qualifiers and the asked attribute (evals/judges/answerability.py).

    Without an embedder only exact words count as found (reworded qualifiers then fail).
    """
    vectors = (
        None
        if embedder is None
        else cached_word_vectors(lambda words: embedder.embed(words), embedder.name)
    )
    evidence = [Evidence(quote, "", section, source) for source, section, quote in cited]
    return check_answer(question, evidence, vectors)


# --- Abstention -------------------------------------------------------------------------------

AbstentionOutcome = Literal[
    "correct_refusal", "false_refusal", "missed_refusal", "answered", "unscorable"
]

_REFUSALS = re.compile(
    r"\b(?:i (?:do not|don't|cannot|can't) (?:know|answer|find|say)|"
    r"(?:cannot|can't|unable to) (?:answer|find|determine|tell)|"
    r"no (?:information|answer|relevant (?:information|documents?))|"
    r"not (?:in|covered by|mentioned in|stated in|found in) (?:the |my |any )?"
    r"(?:documents?|sources?|context|passages?|information)|"
    r"(?:documents?|sources?|context) (?:do|does) not (?:say|mention|cover|contain))",
    re.IGNORECASE,
)


def looks_like_refusal(answer: str) -> bool:
    """Heuristic for recorded answers that carry no explicit abstained flag."""
    return bool(_REFUSALS.search(answer))


def abstention_outcome(answerable: bool, abstained: bool | None) -> AbstentionOutcome:
    """Classify one item. ``abstained`` None means it cannot be told (no answer recorded,
    an error): the item is unscorable, not a failure and not a success."""
    if abstained is None:
        return "unscorable"
    if abstained:
        return "false_refusal" if answerable else "correct_refusal"
    return "answered" if answerable else "missed_refusal"


@dataclass(frozen=True)
class AbstentionScores:
    """Precision and recall of refusing, over the items that could be scored."""

    precision: Ratio  # correct refusals / all refusals
    recall: Ratio  # correct refusals / unanswerable items
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def unscorable(self) -> int:
        return self.counts.get("unscorable", 0)


def abstention_scores(outcomes: Sequence[AbstentionOutcome]) -> AbstentionScores:
    """Aggregate per-item outcomes; unscorable items are counted, never guessed."""
    counts = Counter(outcomes)
    correct = counts["correct_refusal"]
    return AbstentionScores(
        precision=Ratio(correct, correct + counts["false_refusal"]),
        recall=Ratio(correct, correct + counts["missed_refusal"]),
        counts={k: counts[k] for k in get_args(AbstentionOutcome)},
    )


# --- Routing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteScores:
    """Share of items routed as expected, and the confusion table (expected -> actual -> n)."""

    accuracy: Ratio
    confusion: dict[str, dict[str, int]]
    unscorable: int


def route_accuracy(pairs: Sequence[tuple[str, str | None]]) -> RouteScores:
    """``pairs``: (expected route, actual route or None when the run did not record one)."""
    scored = [(e, a) for e, a in pairs if a is not None]
    confusion: dict[str, dict[str, int]] = {}
    for expected, actual in scored:
        row = confusion.setdefault(expected, {})
        row[actual] = row.get(actual, 0) + 1
    correct = sum(1 for e, a in scored if e == a)
    return RouteScores(Ratio(correct, len(scored)), confusion, len(pairs) - len(scored))


# --- Retrieval --------------------------------------------------------------------------------


def recall_at_k(retrieved: Sequence[SourceRef], gold: Sequence[SourceRef], k: int) -> float | None:
    """Share of gold sources matched by at least one of the first ``k`` results (None: no gold)."""
    if not gold:
        return None
    top = retrieved[:k]
    return sum(1 for g in gold if any(source_matches(r, g) for r in top)) / len(gold)


def reciprocal_rank(retrieved: Sequence[SourceRef], gold: Sequence[SourceRef]) -> float | None:
    """1 / rank of the first result matching any gold source; 0 if none does (None: no gold)."""
    if not gold:
        return None
    for rank, r in enumerate(retrieved, start=1):
        if any(source_matches(r, g) for g in gold):
            return 1 / rank
    return 0.0
