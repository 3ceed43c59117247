"""What an ingest is asked to do (IngestOptions) and what it did (IngestReport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from indexes.chunking import CHUNKER_VERSION
from ragtune.principal import EVERYONE
from ragtune.settings import Settings


@dataclass
class IngestOptions:
    """What to ingest into, and how to chunk."""

    collection: str = "default"
    groups: frozenset[str] = frozenset({EVERYONE})
    sync: bool = False
    chunk_tokens: int = 256
    overlap_tokens: int = 32
    max_bytes: int = 50_000_000
    progress: bool = True
    workers: int = 2  # threads reading, parsing and chunking files ahead of the embedder
    # Also embed each sentence of each chunk, for re-ranking (indexes/sentence_vectors.py);
    # off, ingest embeds about half as much and search re-ranks by the chunk vector alone.
    sentence_vectors: bool = True

    @property
    def chunking(self) -> str:
        """What decides a file's chunks besides its bytes: the chunker's version and budgets.
        A stored document chunked otherwise is chunked again."""
        return f"v{CHUNKER_VERSION}:{self.chunk_tokens}/{self.overlap_tokens}"


@dataclass
class IngestReport:
    """What one ingest run did; ``failed`` maps each failed path to its reason, ``skipped``
    each file that is no document (a redirect stub) to why: a skip is not a failure."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    db_seconds: float = 0.0
    # The watcher asked the ingest to stop: files not yet reached are in no count above.
    stopped: bool = False
    # Paths whose document this run holds as their file now reads: added, updated, re-tagged
    # or found unchanged.
    stored: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line of counts and seconds."""
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.failed)} failed{skipped}; {self.chunks} "
            f"chunk{'' if self.chunks == 1 else 's'} "
            f"({self.embedded} embedded) in {self.seconds:.1f} s"
        )


class IngestWatcher(Protocol):
    """Who follows an ingest from outside (a background upload): told its progress about once
    a second, and able to stop it."""

    def progress(self, files_done: int, chunks_embedded: int) -> bool:
        """Files done and chunks embedded so far; True asks the ingest to stop before the next
        slice of chunks it embeds. Documents already written stay whole; those not yet
        written are not ingested (``stopped``)."""
        ...


def ingest_options(settings: Settings, **overrides: Any) -> IngestOptions:
    """The configured chunking, size limit and sentence vectors, with per-call ``overrides``
    (collection, groups, progress...)."""
    base: dict[str, Any] = {
        "collection": settings.collection,
        "chunk_tokens": settings.chunk_size_tokens,
        "overlap_tokens": settings.chunk_overlap_tokens,
        "max_bytes": int(settings.max_file_mb * 1_000_000),
        "sentence_vectors": settings.sentence_vectors,
    }
    return IngestOptions(**(base | overrides))
