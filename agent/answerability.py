"""Does the answer address the question? The answerability check on the passages it cites.

The verify step runs this on every route that returns document text (rag and both), after the
sentences are verified and whether they were generated or quoted: a cited sentence can be
true to its source and still answer another question. The check itself lives with the judges
(evals/judges/answerability.py) so that the eval metric "answers the question" and the agent
agree on what it means.
"""

from __future__ import annotations

from collections.abc import Sequence

from evals.citations import split_cited_sentences
from evals.judges.answerability import (
    CORPUS_NAME_SHARE,
    AnswerCheck,
    Evidence,
    cached_word_vectors,
    check_answer,
)
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


def check(
    embedder: Embedder,
    question: str,
    answer: str,
    sources: Sequence[Source],
    corpus: tuple[Database, Principal, str] | None = None,
) -> AnswerCheck:
    """Whether the passages ``answer`` cites contain what ``question`` asks (see the judge).

    ``corpus`` (database, principal, collection) lets a name most documents mention (the
    company's own) count as found; without it every name must be in the cited passages.
    """
    vectors = cached_word_vectors(lambda words: embedder.embed(words), embedder.name)

    def corpus_name(name: str) -> bool:
        if corpus is None:
            return False
        return document_share(*corpus, name) >= CORPUS_NAME_SHARE

    return check_answer(question, cited_evidence(answer, sources), vectors, corpus_name=corpus_name)
