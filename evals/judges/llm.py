"""The LLM judge: ask a generator, at temperature 0, whether the premise supports the sentence.

The generator is the model runtime's (generation.generator.Generator: local, 4-bit or any
OpenAI-compatible server), called with greedy decoding. The reply must be one
JSON object, ``{"supported": true|false, "evidence": "<quote>"}`` (optionally ``"score"`` in
[0, 1]), alone or in one fenced block. Anything else is a parse failure, judged unsupported with
score 0 and an evidence string that says what was wrong: a judge that cannot be read must never
count as support.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from evals.citations import strip_markers
from evals.judges.protocol import BatchJudge, Judgement, Pair, as_premises
from generation.generator import GenerationParams, Generator

SYSTEM_PROMPT = (
    "You check whether a claim is fully supported by a premise. Use only the premise; do not "
    "use outside knowledge. A claim is supported only if every fact in it (numbers, dates, "
    "names, who does what, negations) is stated or directly implied by the premise. Reply with "
    'one JSON object and nothing else: {"supported": true or false, "evidence": "the premise '
    'sentence that decides it, quoted exactly, or an empty string"}.'
)
MAX_NEW_TOKENS = 200
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def build_messages(premises: Sequence[str], sentence: str) -> list[dict[str, str]]:
    """The chat messages for one pair; passages are numbered so the model can quote them."""
    numbered = "\n\n".join(f"[{i}] {p.strip()}" for i, p in enumerate(premises, start=1))
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Premise:\n{numbered}\n\nClaim: {sentence}"},
    ]


def parse_verdict(text: str) -> Judgement:
    """Read the generator's reply strictly; a reply that does not follow the format fails."""
    raw = text.strip()
    fenced = _FENCE.match(raw)
    body = fenced.group(1) if fenced else raw
    try:
        data: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        return _unparseable(f"not a JSON object ({exc.msg})", text)
    if not isinstance(data, dict):
        return _unparseable("not a JSON object", text)
    supported = data.get("supported")
    if not isinstance(supported, bool):
        return _unparseable('"supported" must be true or false', text)
    evidence = data.get("evidence", "")
    if not isinstance(evidence, str):
        return _unparseable('"evidence" must be a string', text)
    score: Any = data.get("score", 1.0 if supported else 0.0)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        return _unparseable('"score" must be a number from 0 to 1', text)
    return Judgement(supported=supported, score=float(score), evidence=evidence)


def _unparseable(reason: str, text: str) -> Judgement:
    shown = " ".join(text.split())[:200]
    return Judgement(
        supported=False,
        score=0.0,
        evidence=f"judge output could not be parsed: {reason}: {shown!r}",
    )


class LlmJudge(BatchJudge):
    """One generator call per pair, temperature 0, strict parsing."""

    name = "llm"

    def __init__(self, generator: Generator, *, model: str = "unknown") -> None:
        self.generator = generator
        self.model = model

    @property
    def fingerprint(self) -> str:
        prompt = hashlib.sha256(SYSTEM_PROMPT.encode("utf-8")).hexdigest()[:12]
        return f"llm:v1:{self.model}:{prompt}"

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        out = []
        for premises, sentence in pairs:
            messages = build_messages(as_premises(premises), strip_markers(sentence))
            reply = self.generator.generate(
                messages, GenerationParams(max_new_tokens=MAX_NEW_TOKENS, temperature=0.0)
            )
            out.append(parse_verdict(reply.text))
        return out
