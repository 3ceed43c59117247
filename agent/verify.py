"""Verify an answer sentence by sentence against the sources each sentence cites.

The judge is the eval harness's entailment judge (evals/judges), so the agent and the
evaluators agree on what "supported" means. A sentence with no citation, or citing a number
that is not a source, is unsupported on the grounded routes.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.answer import SentenceVerdict, Verification
from evals.citations import split_cited_sentences
from evals.judges.protocol import Judge
from tools.rag import Source


def verify(judge: Judge, answer: str, sources: Sequence[Source]) -> Verification:
    """Judge each sentence of ``answer`` against the passages it cites (together)."""
    by_n = {s.n: s.result.text for s in sources}
    sentences = split_cited_sentences(answer)
    pending: list[tuple[int, list[str], str]] = []
    verdicts: list[SentenceVerdict | None] = []
    for i, sentence in enumerate(sentences):
        premises = [by_n[n] for n in sentence.citations if n in by_n]
        if not premises:
            reason = "cites no source" if not sentence.citations else "cites no retrieved source"
            verdicts.append(SentenceVerdict(sentence.raw, False, 0.0, sentence.citations, reason))
            continue
        verdicts.append(None)
        pending.append((i, premises, sentence.text))
    judged = judge.judge_many([(premises, text) for _, premises, text in pending])
    for (i, _, _), judgement in zip(pending, judged, strict=True):
        s = sentences[i]
        verdicts[i] = SentenceVerdict(
            s.raw, judgement.supported, judgement.score, s.citations, judgement.evidence
        )
    final = [v for v in verdicts if v is not None]
    return Verification(
        supported_sentences=sum(v.supported for v in final),
        total_sentences=len(final),
        sentences=final,
    )
