"""Does the answer address the question? The answerability check on the passages it cites.

The verify step runs this on every route that returns document text (rag and both), after the
sentences are verified and whether they were generated or quoted: a cited sentence can be
true to its source and still answer another question. The check itself lives with the judges
(evals/judges/answerability.py) so that the eval metric "answers the question" and the agent
agree on what it means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache

from agent.extractive import Candidate, cite, quote
from evals.citations import split_cited_sentences
from evals.judges.answerability import AnswerCheck, check_answer
from evals.judges.facts import facts_of
from evals.judges.passages import Evidence, with_count
from evals.judges.readings import cached_word_vectors, content_words
from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.terms import document_share
from ragtune.principal import Principal
from tools.rag import Source


def cited_evidence(answer: str, sources: Sequence[Source]) -> list[Evidence]:
    """The passages ``answer`` cites, in citation order, with their title, section and file."""
    cited = dict.fromkeys(n for s in split_cited_sentences(answer) for n in s.citations)
    by_n = {s.n: s.result for s in sources}
    return [
        Evidence(by_n[n].text, by_n[n].title, by_n[n].section, by_n[n].source)
        for n in cited
        if n in by_n
    ]


# Answering quotes offered to the judge, at most, before the best-scoring sentence is quoted.
QUOTE_TRIES = 3

WordShare = Callable[[str], float]


def corpus_share(corpus: tuple[Database, Principal, str]) -> WordShare:
    """The share of the caller's documents (database, principal, collection) that use a word.

    Each word is probed once: make one per question and pass it to every check of that
    question, so the quotes tried and the final check do not probe the same words again.
    """
    return cache(lambda word: document_share(*corpus, word))


def answering_quotes(
    embedder: Embedder,
    question: str,
    found: Sequence[Candidate],
    sources: Sequence[Source],
    share: WordShare | None = None,
    *,
    tries: int = QUOTE_TRIES,
) -> Iterator[str]:
    """Quotes that answer ``question``, cited, best first; none when no passage answers it.

    First the candidate sentences that answer on their own, each read with its passage's
    title, section and file name: the first ``tries`` of them in score order (``found``, best
    first), then reordered so that the one missing fewer of the question's words comes first.
    Then the answering window of each passage, lead-in and all: a table row alone ("2.0 m/s
    0.95 m 1.35 m") says nothing without the header above it. The caller keeps the first one
    the judge supports: a fragment ("Stage 1 - Canary") can pass this check and still say
    nothing the judge can hold against its passage. The sentences are all checked before the
    first is offered; the passages' windows are only worked out when the caller asks for them.
    """
    by_n = {s.n: s.result for s in sources}
    considered = [by_n[n] for n in dict.fromkeys(c.n for c in found) if n in by_n]
    vectors = cached_word_vectors(lambda words: embedder.embed(words), embedder.name)
    # One embedding call for every word of every passage, instead of one per sentence.
    text = " ".join(f"{r.title} {r.section} {r.text}" for r in considered)
    vectors(sorted(content_words(facts_of(text))))

    def answers(text: str, n: int) -> AnswerCheck:
        r = by_n[n]
        return check_answer(
            question, [Evidence(text, r.title, r.section, r.source)], vectors, share=share
        )

    offered: set[str] = set()
    answering: list[tuple[tuple[int, int, float], str]] = []
    for candidate in found:
        if len(answering) >= tries:
            break
        checked = answers(candidate.text, candidate.n)
        if checked.answers:
            # A sentence that scores close to it may follow, as in any extractive answer: the
            # rule it states often comes in two sentences ("15 mm when new. Replace at 8 mm.").
            draft = quote([candidate, *(c for c in found if c is not candidate)])
            if draft not in offered:
                offered.add(draft)
                answering.append((_fit(checked), draft))
    # Of the answering sentences, the one that holds more of the question comes first: a
    # sibling passage ("international travel" for "domestic travel") may answer with a word
    # missing where the asked passage has them all. Ties keep the score order.
    for _, draft in sorted(answering, key=lambda a: a[0]):
        yield draft
    for n in dict.fromkeys(c.n for c in found):  # passages in order of their best candidate
        checked = answers(by_n[n].text, n)
        said = checked.quote
        if checked.counted and len(said) == 1:
            # "How many" answered by a whole list: the answer says how many it lists.
            said = (with_count(said[0], checked.counted),)
        draft = " ".join(cite(sentence, n) for sentence in said)
        if checked.answers and draft not in offered:
            offered.add(draft)
            yield draft


def _fit(checked: AnswerCheck) -> tuple[int, int, float]:
    """How fully an answering check holds the question: words missing, then fewer of the
    values it names stated (the asked row of a table before a sentence beside it), then less
    support."""
    return (
        len(checked.missing),
        -checked.values_stated,
        -round(sum(checked.support.values()), 2),
    )


def check(
    embedder: Embedder,
    question: str,
    answer: str,
    sources: Sequence[Source],
    share: WordShare | None = None,
) -> AnswerCheck:
    """Whether the passages ``answer`` cites contain what ``question`` asks (see the judge).

    ``share`` (see ``corpus_share``) gives each word's share of the caller's documents: a name
    most of them mention (the company's own) counts as found, and a qualifier none of them use
    is never excused as missing. Without it every name must be in the cited passages and no
    word counts as rare.
    """
    vectors = cached_word_vectors(lambda words: embedder.embed(words), embedder.name)
    return check_answer(question, cited_evidence(answer, sources), vectors, share=share)
