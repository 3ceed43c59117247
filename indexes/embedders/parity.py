"""The parity check: how close another backend's vectors are to the reference (torch) ones.

Two backends of one model may share a collection only when their vectors agree within
PARITY_MIN_COSINE on the probe texts; the bound is fixed in advance, not fitted to a corpus.
"""

from __future__ import annotations

import numpy as np

# Set a priori for "the same model's vectors": int8 rounding moves a vector a little (cosine
# ~0.99); a different model, or a broken export, lands far below (cosine ~0.1-0.5).
PARITY_MIN_COSINE = 0.97

# Varied lengths and registers, none taken from a corpus the benchmarks report on.
PROBE_TEXTS = (
    "hello",
    "How many vacation days do new employees get?",
    "The quick brown fox jumps over the lazy dog near the riverbank at dawn.",
    "Refunds are issued to the original payment method within ten business days of "
    "receiving the returned item, provided it is unused and in its original packaging.",
    "Error 503: the upstream service did not answer before the deadline; retry later.",
    "def add(a, b):\n    return a + b",
    "Quarterly revenue grew 12% while operating costs fell, driven by lower shipping rates "
    "and a smaller warehouse footprint. " * 6,
    "Safety: always disconnect the battery before opening the robot's service panel.",
)


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest row-wise cosine between two (n, dim) arrays of the same texts."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float(np.min(np.sum(a * b, axis=1)))


def mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Mean row-wise cosine between two (n, dim) arrays of the same texts."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float(np.mean(np.sum(a * b, axis=1)))
