"""Streams of generated text: stop strings cut across pieces, cancellation from any thread, and
the final result once the loop ends (sync and async twins)."""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence

from generation.result import GenerationResult


class StopTrimmer:
    """Cuts text at the first stop string, across piece boundaries.

    ``feed`` returns what is safe to emit now: it holds back only a tail that could still
    grow into a stop string. After a hit, everything else is dropped.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self.buffer = ""
        self.hit = False

    def _held(self, text: str) -> int:
        longest = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(text)), longest, -1):
                if text.endswith(stop[:n]):
                    longest = n
                    break
        return longest

    def feed(self, piece: str) -> str:
        if self.hit:
            return ""
        if not self.stops:
            return piece
        self.buffer += piece
        cuts = [i for i in (self.buffer.find(s) for s in self.stops) if i >= 0]
        if cuts:
            out, self.buffer, self.hit = self.buffer[: min(cuts)], "", True
            return out
        keep = self._held(self.buffer)
        out = self.buffer[: len(self.buffer) - keep]
        self.buffer = self.buffer[len(self.buffer) - keep :]
        return out

    def flush(self) -> str:
        out, self.buffer = ("" if self.hit else self.buffer), ""
        return out


class StreamControl:
    """Shared by a stream and the backend producing it: the cancel flag and the final result."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self.result: GenerationResult | None = None

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class GenerationStream:
    """Text pieces as they are generated; iterate once. ``result`` is there once the loop ends
    (normally, by ``break``, or after ``cancel()``). ``cancel()`` is safe from any thread."""

    def __init__(self, produce: Callable[[StreamControl], Iterator[str]]) -> None:
        self.control = StreamControl()
        self._produce = produce

    def __iter__(self) -> Iterator[str]:
        pieces = self._produce(self.control)
        try:
            yield from pieces
        finally:
            # Leaving the loop early must stop the model, not let it run to max_new_tokens.
            self.control.cancel()
            close = getattr(pieces, "close", None)
            if close is not None:
                close()

    def cancel(self) -> None:
        self.control.cancel()

    @property
    def result(self) -> GenerationResult:
        if self.control.result is None:
            raise RuntimeError("the stream has not finished: iterate it first")
        return self.control.result


class AsyncGenerationStream:
    """The async twin of GenerationStream. Cancelling the consuming task, ``aclose()``, or
    leaving ``async with`` stops generation (``break`` alone leaves closing to the garbage
    collector, so prefer ``async with``)."""

    def __init__(self, produce: Callable[[StreamControl], AsyncIterator[str]]) -> None:
        self.control = StreamControl()
        self._produce = produce
        self._iterator: AsyncGenerator[str, None] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        if self._iterator is None:
            self._iterator = self._run()
        return self._iterator

    async def _run(self) -> AsyncGenerator[str, None]:
        pieces = self._produce(self.control)
        try:
            async for piece in pieces:
                yield piece
        finally:
            self.control.cancel()
            aclose = getattr(pieces, "aclose", None)
            if aclose is not None:
                await aclose()

    async def aclose(self) -> None:
        self.control.cancel()
        if self._iterator is not None:
            await self._iterator.aclose()

    def cancel(self) -> None:
        self.control.cancel()

    async def __aenter__(self) -> AsyncGenerationStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def result(self) -> GenerationResult:
        if self.control.result is None:
            raise RuntimeError("the stream has not finished: iterate it first")
        return self.control.result


def collect(stream: GenerationStream) -> GenerationResult:
    """Run a stream to its end and return its result (how ``generate`` is built on ``stream``)."""
    for _ in stream:
        pass
    return stream.result
