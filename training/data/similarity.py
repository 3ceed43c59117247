"""When two texts say the same: normalised hashes, embedding similarity, MinHash, guards.

Two questions are near-duplicates when their embeddings are close (cosine >= threshold) or,
with MinHash on, their character shingles overlap (estimated Jaccard >= threshold); in both
cases they must also mention the same "key tokens" (anything with a digit: E-214, S6-C, 6.4.1,
15%) and must not ask different kinds of question (when vs what, how often vs how long).
Small sentence embedders see the topic more than the detail: "What does E-214 mean?" and
"What does E-219 mean?" embed almost alike (digits), and so do "When is a PIP used?" and "What
does a PIP contain?" (same topic, different ask); the two guards keep those apart. Answers are
compared the same way and must also agree on negation: "must" and "must not" embed alike too.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

from indexes.embeddings import Embedder

Method = Literal["exact", "embedding", "minhash"]  # how two texts were found to match

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")
_KEY_TOKEN = re.compile(r"[a-z0-9]+(?:[-./][a-z0-9]+)*")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|cannot|without)\b|n't\b")
_WORD = re.compile(r"[a-z]+")
_WH = {
    "what": "what",
    "which": "what",
    "when": "when",
    "where": "where",
    "who": "who",
    "whom": "who",
    "whose": "who",
    "why": "why",
    "how": "how",
}
_HOW = frozenset({"many", "much", "long", "often", "far", "fast", "big", "large", "old", "soon"})
_BLOCK = 1024  # rows of the similarity matrix computed at a time (bounded memory)


def normalise(text: str) -> str:
    """Case-, width- and punctuation-insensitive form of ``text`` (for exact matching)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def text_hash(*parts: str) -> str:
    """A stable hash of the normalised parts (the exact-duplicate key)."""
    joined = "\x1f".join(normalise(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def key_tokens(text: str) -> frozenset[str]:
    """Tokens that carry a digit (codes, models, versions, quantities): they must match."""
    lowered = unicodedata.normalize("NFKC", text).casefold()
    return frozenset(t for t in _KEY_TOKEN.findall(lowered) if any(c.isdigit() for c in t))


def question_form(text: str) -> str | None:
    """The kind of question asked ("what", "when", "how often", ...); None if it has no
    question word (a yes/no question or an instruction such as "Define hypercare.")."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    for i, word in enumerate(words):
        form = _WH.get(word)
        if form == "how" and i + 1 < len(words) and words[i + 1] in _HOW:
            return f"how {words[i + 1]}"
        if form is not None:
            return form
    return None


def same_question(a: str, b: str) -> bool:
    """The guards on top of a similarity score: equal key tokens, compatible question forms."""
    if key_tokens(a) != key_tokens(b):
        return False
    fa, fb = question_form(a), question_form(b)
    return fa is None or fb is None or fa == fb


def negated(text: str) -> bool:
    """Whether the text says "not" an odd number of times (a crude polarity check)."""
    lowered = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return len(_NEGATION.findall(lowered)) % 2 == 1


def embed_all(
    embedder: Embedder, texts: Sequence[str], progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Embeddings of ``texts`` in batches, calling ``progress(n)`` after each batch."""
    batches = []
    step = 256
    for start in range(0, len(texts), step):
        batch = list(texts[start : start + step])
        batches.append(embedder.embed(batch))
        if progress is not None:
            progress(len(batch))
    if not batches:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.vstack(batches)


def similar_pairs(
    left: np.ndarray, right: np.ndarray, threshold: float, *, same: bool = False
) -> list[tuple[int, int, float]]:
    """(i, j, cosine) for rows of unit vectors with cosine >= threshold.

    With ``same`` (left is right), only pairs with j < i are returned, each once.
    """
    found: list[tuple[int, int, float]] = []
    for start in range(0, len(left), _BLOCK):
        sims = left[start : start + _BLOCK] @ right.T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if same and c >= i:
                continue
            found.append((i, c, float(sims[r, c])))
    return found


class MinHasher:
    """MinHash signatures over character 4-grams, with LSH banding to find candidate pairs.

    Deterministic (fixed hash seeds), so a check gives the same answer on every run.
    """

    def __init__(self, num_perm: int = 128, bands: int = 32, shingle: int = 4) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        # Multiply-shift hashing (Dietzfelbinger): ((a * x + b) mod 2**64) >> 32 with odd a is
        # a universal family; uint64 arithmetic wraps, which is the "mod 2**64".
        rng = np.random.default_rng(20240916)
        odd = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64) * np.uint64(2)
        self.a = odd + np.uint64(1)
        self.b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
        self.num_perm = num_perm
        self.bands = bands
        self.shingle = shingle

    def _shingles(self, text: str) -> np.ndarray:
        norm = normalise(text)
        if len(norm) <= self.shingle:
            grams = {norm}
        else:
            grams = {norm[i : i + self.shingle] for i in range(len(norm) - self.shingle + 1)}
        return np.array(sorted(zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint64)

    def signature(self, text: str) -> np.ndarray:
        """The MinHash signature of ``text`` (num_perm unsigned integers)."""
        shingles = self._shingles(text)
        hashed = (np.outer(self.a, shingles) + self.b[:, None]) >> np.uint64(32)
        return hashed.min(axis=1)

    def similar_pairs(self, texts: Sequence[str], threshold: float) -> list[tuple[int, int, float]]:
        """(i, j, estimated Jaccard) for j < i with estimated Jaccard >= threshold."""
        sigs = [self.signature(t) for t in texts]
        rows = self.num_perm // self.bands
        candidates: set[tuple[int, int]] = set()
        for band in range(self.bands):
            buckets: dict[bytes, list[int]] = {}
            for idx, sig in enumerate(sigs):
                key = sig[band * rows : (band + 1) * rows].tobytes()
                buckets.setdefault(key, []).append(idx)
            for members in buckets.values():
                for x in range(len(members)):
                    for y in range(x):
                        candidates.add((members[x], members[y]))
        found = []
        for i, j in sorted(candidates):
            est = float(np.mean(sigs[i] == sigs[j]))
            if est >= threshold:
                found.append((i, j, est))
        return found


def answers_agree(a: str, b: str, similarity: float, threshold: float) -> bool:
    """Whether two answers say the same thing: normalised equal, or similar with the same key
    tokens and the same polarity."""
    if normalise(a) == normalise(b):
        return True
    return similarity >= threshold and key_tokens(a) == key_tokens(b) and negated(a) == negated(b)
