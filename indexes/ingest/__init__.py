"""Ingest files into a collection: idempotent, atomic per document, resumable after a crash.

A document is written in one transaction (its row and all its chunks, or nothing), and only
after every chunk has been embedded, so a kill at any point leaves whole documents only and a
re-run finishes the job. Reading and chunking (files), embedding (pipeline) and writing
(store) run as overlapping stages (see ``ingest``). Unchanged files (same content hash and
groups) embed nothing; a changed file's chunks are replaced, reusing the vectors of chunks
whose text did not change.
"""

from indexes.ingest.files import SourceFile, discover
from indexes.ingest.options import IngestOptions, IngestReport, IngestWatcher, ingest_options
from indexes.ingest.pipeline import ingest
from indexes.ingest.store import STATISTICS_SHARE, refresh_statistics, remove_missing

__all__ = [
    "STATISTICS_SHARE",
    "IngestOptions",
    "IngestReport",
    "IngestWatcher",
    "SourceFile",
    "discover",
    "ingest",
    "ingest_options",
    "refresh_statistics",
    "remove_missing",
]
