"""The optional model judges are one setting away: an NLI cross-encoder directory or an
OpenAI-compatible LLM judge replaces the offline judge in the agent's verification and in the
held-out protocol (bench/trust_judges.py) with no other change.

The NLI model is a tiny randomly initialised classifier saved to disk (no NLI model ships
offline), and the LLM is scripted through the Generator protocol: these tests check the
plumbing, not the weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.verify import verify
from bench.trust_judges import report_any_judge
from evals.judges.registry import JudgeOptions, build_judge, judge_from_settings
from generation.generator import GenerationParams
from indexes.search.results import SearchResult
from ragtune.settings import Settings
from tests.evals.judges.test_nli import _tiny_classifier
from tools.rag import Source

PASSAGE = "Passwords must be at least 14 characters long and are never shared."
PAIRS = [
    (PASSAGE, "Passwords need 14 characters or more.", True, "paraphrase"),
    (PASSAGE, "Passwords need 8 characters or more.", False, "number-swap"),
]


def _source(text: str) -> Source:
    result = SearchResult(1, 0.1, "c1", "d", "doc.md", "Doc", "", None, 0, len(text), text)
    return Source(1, 0.6, result)


@pytest.fixture(scope="module")
def mnli_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    labels = {0: "contradiction", 1: "entailment", 2: "neutral"}
    return _tiny_classifier(tmp_path_factory.mktemp("mnli"), labels)


@dataclass
class _Reply:
    text: str


class _ScriptedLlm:
    """An OpenAI-compatible server's reply, as the model runtime's generator returns it."""

    def generate(
        self, messages: Sequence[Mapping[str, str]], params: GenerationParams | None = None
    ) -> _Reply:
        claim = messages[-1]["content"]
        supported = "14" in claim.split("Claim:")[-1]
        return _Reply(f'{{"supported": {str(supported).lower()}, "evidence": "{PASSAGE}"}}')


def test_the_nli_setting_replaces_the_offline_judge(mnli_path: str, tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, judge="nli", nli_model=mnli_path)
    judge = judge_from_settings(settings)
    assert judge.fingerprint.startswith("nli")
    checked = verify(judge, "Passwords need 14 characters or more [1].", [_source(PASSAGE)])
    assert checked.total_sentences == 1
    assert 0.0 <= checked.sentences[0].score <= 1.0
    report = report_any_judge(judge, PAIRS)
    assert report["pairs"] == 2 and report["judge"] == judge.fingerprint
    assert set(report) >= {"faithful_kept", "hallucination_caught", "balanced", "by_kind"}


def test_an_llm_judge_replaces_the_offline_judge() -> None:
    judge = build_judge("llm", JudgeOptions(generator=_ScriptedLlm(), generator_model="any"))
    checked = verify(judge, "Passwords need 14 characters or more [1].", [_source(PASSAGE)])
    assert (checked.supported_sentences, checked.total_sentences) == (1, 1)
    report = report_any_judge(judge, PAIRS)
    assert report["faithful_kept"] == 1.0 and report["hallucination_caught"] == 1.0
