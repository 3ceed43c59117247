"""Batches of texts by token count, for the local embedders (ONNX Runtime and torch).

Sorting a call's texts by characters, as sentence-transformers does, padded the 18F
handbook's chunk and sentence-run texts by 56%: a line of links or a table row has few or
many characters per token. Sorted by tokens, each batch is padded to a near length. On a CPU
a batch also holds at most BATCH_TOKENS tokens: a large batch of short texts runs slower per
text than a small one (its activations no longer fit the cache).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

# Tokens in one batch on a CPU, padding included. On 2 cores, 3,000 of the 18F handbook's
# chunk and sentence-run texts embed (ONNX int8) at 84 a second with this budget and 78 with
# 64 texts a batch whatever their length; a 256-token chunk fills it at 8 a batch, and larger
# batches of chunks that long gained nothing.
BATCH_TOKENS = 2048


def token_batches(lengths: Sequence[int], most: int, budget: int) -> Iterator[list[int]]:
    """Indexes of texts of ``lengths`` tokens in batches, shortest first: each batch holds at
    most ``most`` texts and, padded to its longest, at most ``budget`` tokens (one text
    always goes alone, however long)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    start = 0
    while start < len(order):
        end = start + 1
        while (
            end < len(order)
            and end - start < most
            and (end + 1 - start) * lengths[order[end]] <= budget
        ):
            end += 1
        yield order[start:end]
        start = end
