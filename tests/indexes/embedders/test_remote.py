"""The remote embedder against a real local OpenAI-compatible embeddings server (uvicorn on
127.0.0.1 serving the bundled model): batching, retries, timeouts, the dimension check, and an
ingest through it end to end."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from indexes.collections import get_collection
from indexes.database import Database
from indexes.embedders.remote import RemoteEmbedder, RemoteEmbeddingError
from indexes.embeddings import Embedder, load_embedder
from indexes.ingest import IngestOptions, ingest
from indexes.search import search
from indexes.search.options import SearchOptions
from ragtune.errors import ModelLoadError
from ragtune.principal import Principal
from ragtune.settings import BUNDLED_EMBED_MODEL
from tests.conftest import SAMPLE_CORPUS
from tests.support.embeddings_server import EmbeddingScript, free_port, serve_embeddings

TEXTS = [f"Sentence number {i} about loading dock safety." for i in range(10)]


@pytest.fixture
def script() -> EmbeddingScript:
    return EmbeddingScript()


@pytest.fixture
def server(embedder: Embedder, script: EmbeddingScript) -> Iterator[str]:
    with serve_embeddings(embedder, script) as url:
        yield url


def _remote(url: str, **options: object) -> RemoteEmbedder:
    # A generous timeout: a loaded CI machine can take seconds to embed one batch.
    settings: dict[str, object] = {"backoff_s": 0.01, "timeout_s": 120.0} | options
    return RemoteEmbedder(BUNDLED_EMBED_MODEL, base_url=url, **settings)  # type: ignore[arg-type]


def test_vectors_match_the_local_model_in_batches(
    server: str, script: EmbeddingScript, embedder: Embedder
) -> None:
    remote = _remote(server, batch_size=4, expected_dim=384)
    vectors = remote.embed(TEXTS)
    assert vectors.shape == (10, 384)
    assert np.allclose(vectors, embedder.embed(TEXTS), atol=1e-5)
    # After the start-up probe; the batches travel concurrently, so in any order.
    sizes = sorted(len(r["input"]) for r in script.requests[1:])
    assert sizes == [2, 4, 4]
    assert all(r["model"] == BUNDLED_EMBED_MODEL for r in script.requests)
    assert remote.count_tokens(TEXTS[0]) == embedder.count_tokens(TEXTS[0])


def test_batches_travel_concurrently_and_come_back_in_order(
    server: str, script: EmbeddingScript, embedder: Embedder
) -> None:
    texts = [f"Line {i}: pallets are stacked at most {i % 4 + 2} high." for i in range(12)]
    script.delay_s = 1.0  # long enough that the requests overlap at the server, even on CI
    together = _remote(server, batch_size=2, concurrency=3)
    vectors = together.embed(texts)
    assert script.max_in_flight == 3  # six batches, three at a time
    assert np.allclose(vectors, embedder.embed(texts), atol=1e-5)  # each row its own text
    together.close()
    script.max_in_flight, script.delay_s = 0, 0.2
    one_by_one = _remote(server, batch_size=2, concurrency=1)
    assert np.allclose(one_by_one.embed(texts), vectors, atol=1e-6)
    assert script.max_in_flight == 1
    one_by_one.close()


def test_a_failing_batch_fails_the_call_among_concurrent_ones(
    server: str, script: EmbeddingScript
) -> None:
    remote = _remote(server, batch_size=2, concurrency=4, max_retries=0)
    script.failures.append(400)
    with pytest.raises(RemoteEmbeddingError, match="HTTP 400"):
        remote.embed(TEXTS)
    assert remote.embed(TEXTS).shape == (10, 384)  # the embedder still works afterwards
    remote.close()


def test_server_errors_are_retried_with_backoff(server: str, script: EmbeddingScript) -> None:
    remote = _remote(server, max_retries=3)
    script.failures.extend([503, 429, 500])
    assert remote.embed(TEXTS[:2]).shape == (2, 384)
    assert remote.retries == 3
    script.failures.extend([503] * 4)
    with pytest.raises(RemoteEmbeddingError, match="after 4 attempts: HTTP 503"):
        remote.embed(TEXTS[:2])
    script.failures.append(400)  # a client error is not retried
    with pytest.raises(RemoteEmbeddingError, match="HTTP 400"):
        remote.embed(TEXTS[:2])


def test_server_down_fails_at_start() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    started = time.perf_counter()
    with pytest.raises(ModelLoadError, match="did not answer") as info:
        _remote(url, max_retries=2)
    assert "RAGTUNE_EMBED_REMOTE_URL" in info.value.hint
    assert time.perf_counter() - started < 5


def test_wrong_dimension_fails_at_start(server: str, script: EmbeddingScript) -> None:
    script.truncate_dim = 256
    with pytest.raises(ModelLoadError, match="256-dimensional vectors") as info:
        _remote(server, expected_dim=384)
    assert "RAGTUNE_EMBED_REMOTE_DIM" in info.value.hint


def test_slow_server_times_out_after_every_retry(server: str, script: EmbeddingScript) -> None:
    remote = _remote(server)
    remote._client.timeout = httpx.Timeout(0.3)  # after the start-up probe
    remote.max_retries = 1
    script.delay_s = 2.0
    started = time.perf_counter()
    with pytest.raises(RemoteEmbeddingError, match="after 2 attempts: ReadTimeout"):
        remote.embed(TEXTS[:1])
    assert time.perf_counter() - started < 1.9  # two attempts of 0.3 s, not one of 2 s
    assert remote.retries == 1


def test_ingest_through_the_server_end_to_end(
    db: Database, server: str, script: EmbeddingScript, embedder: Embedder
) -> None:
    remote = load_embedder(
        BUNDLED_EMBED_MODEL, backend="remote", remote_url=server, remote_dim=384, batch_size=16
    )
    folder = SAMPLE_CORPUS / "public" / "policies"
    report = ingest(db, remote, [folder], IngestOptions(progress=False))
    assert report.added > 0 and not report.failed and report.embedded == report.chunks
    assert len(script.requests) > 1
    with db.administering() as conn:
        assert get_collection(conn, "default").embed_backends == ("remote",)
    # The torch embedder searches what the server embedded: same model, no reindex.
    options = SearchOptions(mode="vector")
    local = search(db, embedder, "paid time off", Principal("a"), options)
    served = search(db, remote, "paid time off", Principal("a"), options)
    assert len(local.results) == 5
    assert [r.chunk_id for r in local.results] == [r.chunk_id for r in served.results]


def test_failing_batches_fail_their_documents_and_the_run_goes_on(
    db: Database, server: str, script: EmbeddingScript, monkeypatch: pytest.MonkeyPatch
) -> None:
    # several groups from a few files
    monkeypatch.setattr("indexes.ingest.pipeline.EMBED_GROUP", 16)
    remote = _remote(server, max_retries=1, batch_size=512)
    folder = SAMPLE_CORPUS / "public" / "policies"
    script.failures.extend([503, 503])  # the first group's request and its one retry
    report = ingest(db, remote, [folder], IngestOptions(progress=False))
    assert report.failed and all("embedding failed" in r for r in report.failed.values())
    assert report.added > 0  # later groups were embedded and written
    rerun = ingest(db, remote, [folder], IngestOptions(progress=False))
    assert not rerun.failed and rerun.added == len(report.failed)
