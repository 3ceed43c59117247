"""Batches by token count: every text once, like lengths together, within the budget; the
torch embedder's vectors land at their texts."""

from __future__ import annotations

import numpy as np

from indexes.embedders.batching import token_batches
from indexes.embeddings import Embedder


def test_token_batches_group_like_lengths_within_the_budget() -> None:
    lengths = [5, 250, 6, 240, 7, 30, 256, 31, 8]
    batches = list(token_batches(lengths, most=3, budget=512))
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        assert len(batch) <= 3 and (len(batch) == 1 or len(batch) * longest <= 512)
    # Shortest first, so a batch's texts are padded to a near length, not the longest one.
    assert batches[0] == [0, 2, 4] and batches[1] == [8, 5, 7]
    assert [lengths[i] for i in batches[-1]] == [256]
    # One text longer than the budget still goes, alone.
    assert list(token_batches([900, 3], most=64, budget=512)) == [[1], [0]]


def test_torch_vectors_land_at_their_texts_and_match_one_text_at_a_time(
    torch_embedder: Embedder,
) -> None:
    # Lengths that sort differently by characters and by tokens (links, a table row).
    texts = [
        "Travel must be approved in writing before any booking is made. " * 12,
        "See [leave](https://example.org/a/b/c) and [travel](https://example.org/d/e).",
        "| 3 | 4 | 5 |",
        "How many days of paid leave does a new employee get?",
        "Expense reports are due within thirty days of travel.",
    ] * 5
    together = torch_embedder.embed(texts)
    alone = np.vstack([torch_embedder.embed([t]) for t in texts[:5]] * 5)
    assert np.allclose(together, alone, atol=1e-4)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
