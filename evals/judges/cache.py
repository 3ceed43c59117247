"""Judgements cached by content hash: an in-memory LRU, optionally backed by JSON files on disk.

The key hashes the judge's fingerprint (name, version, model, threshold), the premises and the
sentence, so a changed threshold or model never reuses an old verdict. On disk each judgement
is one small JSON file under ``<directory>/<2 hex>/<hash>.json``, written atomically, so
concurrent runs can share a cache directory without locks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from evals.judges.protocol import BatchJudge, Judge, Judgement, Pair, as_premises

log = logging.getLogger(__name__)


def cache_key(fingerprint: str, premises: Sequence[str], sentence: str) -> str:
    """SHA-256 over the judge fingerprint, the premises and the sentence."""
    payload = json.dumps([fingerprint, list(premises), sentence], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class JudgementCache:
    """LRU of judgements in memory; with ``directory``, also persisted across runs."""

    def __init__(self, maxsize: int = 8192, directory: Path | None = None) -> None:
        self.maxsize = maxsize
        self.directory = directory
        self._memory: OrderedDict[str, Judgement] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Judgement | None:
        found = self._memory.get(key)
        if found is None and self.directory is not None:
            found = self._read(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._remember(key, found)
        return found

    def put(self, key: str, judgement: Judgement) -> None:
        self._remember(key, judgement)
        if self.directory is not None:
            self._write(key, judgement)

    def _remember(self, key: str, judgement: Judgement) -> None:
        self._memory[key] = judgement
        self._memory.move_to_end(key)
        while len(self._memory) > self.maxsize:
            self._memory.popitem(last=False)

    def _read(self, key: str) -> Judgement | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Judgement(
                supported=bool(data["supported"]),
                score=float(data["score"]),
                evidence=str(data["evidence"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # A damaged entry is recomputed and overwritten; the cache is never the only copy
            # of anything.
            log.warning("ignoring unreadable judgement cache entry %s: %s", path, exc)
            return None

    def _write(self, key: str, judgement: Judgement) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "supported": judgement.supported,
            "score": judgement.score,
            "evidence": judgement.evidence,
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, path)


class CachedJudge(BatchJudge):
    """Wraps a judge: known pairs come from the cache, the rest go to the judge in one batch."""

    def __init__(self, inner: Judge, cache: JudgementCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        keys = [
            cache_key(self.fingerprint, as_premises(premises), sentence)
            for premises, sentence in pairs
        ]
        results: list[Judgement | None] = [self.cache.get(k) for k in keys]
        todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            fresh = self.inner.judge_many([pairs[i] for i in todo])
            for i, judgement in zip(todo, fresh, strict=True):
                self.cache.put(keys[i], judgement)
                results[i] = judgement
        return [r for r in results if r is not None]
