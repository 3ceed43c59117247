"""Judgements cached by content hash, in memory and on disk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evals.judges.cache import CachedJudge, JudgementCache, cache_key
from evals.judges.protocol import BatchJudge, Judgement, Pair


class CountingJudge(BatchJudge):
    """A judge that supports everything and counts what it was asked."""

    name = "counting"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.calls: list[int] = []

    @property
    def fingerprint(self) -> str:
        return f"counting:{self.threshold}"

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        self.calls.append(len(pairs))
        return [Judgement(True, 0.9, f"ok: {sentence}") for _, sentence in pairs]


def test_repeats_are_served_from_memory_and_batched() -> None:
    inner = CountingJudge()
    judge = CachedJudge(inner, JudgementCache())
    first = judge.judge_many([("p", "a"), ("p", "b")])
    second = judge.judge_many([("p", "a"), ("p", "c"), ("p", "b")])
    assert inner.calls == [2, 1]
    assert second[0] == first[0] and second[2] == first[1] and second[1].evidence == "ok: c"


def test_the_key_covers_judge_premises_and_sentence() -> None:
    base = cache_key("j:1", ["p"], "s")
    assert base != cache_key("j:2", ["p"], "s")
    assert base != cache_key("j:1", ["p", "q"], "s")
    assert base != cache_key("j:1", ["p"], "t")
    assert base == cache_key("j:1", ("p",), "s")


def test_a_disk_cache_survives_the_process_and_ignores_damage(tmp_path: Path) -> None:
    inner = CountingJudge()
    CachedJudge(inner, JudgementCache(directory=tmp_path)).judge("premise", "sentence")
    files = list(tmp_path.rglob("*.json"))
    assert len(files) == 1

    again = CountingJudge()
    judgement = CachedJudge(again, JudgementCache(directory=tmp_path)).judge("premise", "sentence")
    assert again.calls == [] and judgement.evidence == "ok: sentence"

    files[0].write_text("{not json", encoding="utf-8")
    third = CountingJudge()
    CachedJudge(third, JudgementCache(directory=tmp_path)).judge("premise", "sentence")
    assert third.calls == [1]


def test_lru_evicts_the_oldest() -> None:
    cache = JudgementCache(maxsize=2)
    for key in ("a", "b", "c"):
        cache.put(key, Judgement(True, 1.0, key))
    assert cache.get("a") is None and cache.get("c") is not None
    assert cache.hits == 1 and cache.misses == 1


def test_a_changed_threshold_is_a_different_cache_entry() -> None:
    cache = JudgementCache()
    low, high = CountingJudge(0.5), CountingJudge(0.9)
    CachedJudge(low, cache).judge("p", "s")
    CachedJudge(high, cache).judge("p", "s")
    assert low.calls == [1] and high.calls == [1]
