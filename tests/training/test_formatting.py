"""Chat-template formatting: the loss falls on the answer (and its end of turn) only."""

from __future__ import annotations

from pathlib import Path

from evals.metrics import token_f1
from generation.base_models import DEFAULT_MODEL, cache_dir
from training.data.records import QAPair
from training.formatting import IGNORE, PadCollator, format_pair


def _tokenizer(state_dir: Path):  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(cache_dir(state_dir, DEFAULT_MODEL))


def test_labels_cover_only_the_answer(state_dir: Path) -> None:
    tok = _tokenizer(state_dir)
    pair = QAPair("a", "What is the Stacker S6?", "A pallet robot.", 1)
    ex = format_pair(pair, tok, 256)
    learned = [i for i, label in zip(ex.input_ids, ex.labels, strict=True) if label != IGNORE]
    assert tok.decode(learned).startswith("A pallet robot.<|im_end|>")
    assert "Stacker S6" in tok.decode(ex.input_ids) and not ex.truncated
    assert ex.labels[: len(ex.labels) - len(learned)] == [IGNORE] * (len(ex.labels) - len(learned))


def test_truncation_is_flagged_and_padding_masks(state_dir: Path) -> None:
    tok = _tokenizer(state_dir)
    ex = format_pair(QAPair("a", "Q?", "word " * 50, 1), tok, 20)
    assert ex.truncated and len(ex.input_ids) == 20
    batch = PadCollator(0)(
        [{"input_ids": [5, 6, 7], "labels": [IGNORE, 6, 7]}, {"input_ids": [5], "labels": [5]}]
    )
    assert batch["labels"][1].tolist() == [5, IGNORE, IGNORE]
    assert batch["attention_mask"][1].tolist() == [1, 0, 0]


def test_token_f1() -> None:
    assert token_f1("The Stacker S6 robot", "stacker s6 robot") == 1.0
    assert token_f1("nothing alike", "stacker s6") == 0.0
    assert 0 < token_f1("the stacker s4", "stacker s6") < 1
