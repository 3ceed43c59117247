"""The composition root's resources: the database and the embedder built from the settings,
once per entry point (CLI command, service process, eval run), lazily so ``--help`` stays fast."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from indexes.database import Database, connect
from indexes.embeddings import Embedder, embedder_cache, load_embedder
from ragtune.settings import Settings


def quiet_libraries() -> None:
    """Silence model-loading chatter (progress bars, kernel hub notices) on the console."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Read when transformers and the hub are first imported: importing them here only to
    # quiet them would cost a process that never uses them (the ONNX embedder's) about 0.5 s.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # pypdf warns of the damage in a file it still reads ("EOF marker not found"); a file it
    # cannot read is reported by ingest with the reason, so its log line is only noise.
    for name in (
        "transformers",
        "sentence_transformers",
        "bitsandbytes",
        "httpx",
        "pgserver",
        "pypdf",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)
    if "transformers" in sys.modules:  # already imported: the variables came too late
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()


def connect_settings(settings: Settings) -> Database:
    """The configured database (DATABASE_URL, else the embedded one), connected and migrated."""
    return connect(
        state_dir=settings.resolved_state_dir(),
        database_url=settings.database_url.get_secret_value() if settings.database_url else None,
        pool_max=settings.db_pool_max,
        timeout_s=settings.db_connect_timeout_s,
    )


def embedder_from_settings(settings: Settings) -> Embedder:
    """The configured embedder (model, backend, device, batch size, download policy, remote
    server), loaded once per process; the one place an embedder is built from the settings."""
    quiet_libraries()
    key = settings.embed_remote_api_key
    return load_embedder(
        settings.embed_model,
        backend=settings.embed_backend,
        device=settings.embed_device,
        batch_size=settings.embed_batch_size,
        allow_download=settings.allow_model_download,
        cache_dir=embedder_cache(settings.resolved_model_cache_dir()),
        remote_url=settings.embed_remote_url,
        remote_api_key=key.get_secret_value() if key else None,
        remote_timeout_s=settings.embed_remote_timeout_s,
        remote_max_retries=settings.embed_remote_max_retries,
        remote_dim=settings.embed_remote_dim,
        remote_concurrency=settings.embed_remote_concurrency,
    )


@dataclass
class Resources:
    """What commands need, created lazily so `ragtune --help` stays fast."""

    settings: Settings
    _db: Database | None = field(default=None, repr=False)

    @property
    def db(self) -> Database:
        """The database, connected and migrated on first use."""
        if self._db is None:
            self._db = connect_settings(self.settings)
        return self._db

    @property
    def embedder(self) -> Embedder:
        """The configured embedder (loaded once per process)."""
        return embedder_from_settings(self.settings)

    def close(self) -> None:
        """Release the database pools."""
        if self._db is not None:
            self._db.close()
            self._db = None


@contextmanager
def open_resources(settings: Settings) -> Iterator[Resources]:
    """Resources that are closed on exit."""
    ctx = Resources(settings)
    try:
        yield ctx
    finally:
        ctx.close()
