"""The ONNX Runtime embedder: exported locally from the bundled weights, cached, held to the
parity bound, and accepted by a collection the torch embedder built (no reindex)."""

from __future__ import annotations

import json
import platform
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from indexes.collections import get_collection
from indexes.database import Database
from indexes.embedders import onnx_runtime
from indexes.embedders.onnx_runtime import (
    MARKER,
    OnnxEmbedder,
    cache_folder,
    ensure_exported,
    int8_weight_type,
)
from indexes.embedders.parity import PARITY_MIN_COSINE
from indexes.embeddings import Embedder, load_embedder, resolve_model_path
from indexes.ingest import IngestOptions, ingest
from indexes.search import search
from indexes.search.options import SearchOptions
from ragtune.errors import ModelMismatchError
from ragtune.principal import Principal
from ragtune.settings import BUNDLED_EMBED_MODEL
from tests.conftest import SAMPLE_CORPUS

TEXTS = [
    "How many days of paid leave does a new employee get?",
    "The robot's battery must be disconnected before the service panel is opened.",
    "Expense reports are due within thirty days of travel.",
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_int8(onnx_cache: Path) -> OnnxEmbedder:
    """The bundled model exported to ONNX and quantised to int8 (once per module)."""
    embedder = load_embedder(BUNDLED_EMBED_MODEL, backend="onnx-int8", cache_dir=onnx_cache)
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.mark.slow
def test_int8_export_records_parity_and_agrees_with_torch(
    onnx_int8: OnnxEmbedder, torch_embedder: Embedder
) -> None:
    record = json.loads((onnx_int8._folder / MARKER).read_text())
    assert record["parity_min_cosine"] >= PARITY_MIN_COSINE
    assert record["variant"] == "int8" and record["dim"] == 384
    # The bundled model is BERT-shaped: each of its six layers' attention runs fused.
    assert record["fused"]["Attention"] == 6
    assert record["int8_weights"] == int8_weight_type()
    ours, reference = onnx_int8.embed(TEXTS), torch_embedder.embed(TEXTS)
    assert ours.shape == reference.shape == (3, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(ours * reference, axis=1)) >= PARITY_MIN_COSINE
    # The same chunk sizes: both count tokens with the model's own tokenizer.
    long_text = " ".join(TEXTS * 40)
    for text in [*TEXTS, long_text]:
        assert onnx_int8.count_tokens(text) == torch_embedder.count_tokens(text)
    # One query (the one-thread session) and a batch agree within the bound too; not exactly,
    # as dynamic quantisation scales activations by the range of the whole batch.
    assert float(onnx_int8.embed(TEXTS[:1])[0] @ ours[0]) >= PARITY_MIN_COSINE


def test_texts_of_mixed_lengths_come_back_in_their_order_and_agree_with_torch(
    onnx_int8: OnnxEmbedder, torch_embedder: Embedder
) -> None:
    # Batched by token count, not by characters: a line of links is few characters per token,
    # a table row many; each vector must still land at its text's place.
    texts = [
        " ".join(TEXTS * 12),
        "See [leave](https://example.org/a/b/c) and [travel](https://example.org/d/e).",
        "| 3 | 4 | 5 |",
        *TEXTS,
        " ".join(TEXTS * 3),
    ] * 6
    ours, reference = onnx_int8.embed(texts), torch_embedder.embed(texts)
    assert np.min(np.sum(ours * reference, axis=1)) >= PARITY_MIN_COSINE


@pytest.mark.skipif(
    platform.machine().lower() not in {"x86_64", "amd64"}, reason="x86 kernel choice"
)
def test_int8_weights_are_signed_only_where_the_cpu_has_vnni(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw\n")
    assert int8_weight_type(cpuinfo) == "u8"  # AVX2/AVX-512 without VNNI: s8 saturates
    cpuinfo.write_text("flags\t\t: fpu sse2 avx avx2 avx512f avx512_vnni avx512_bf16\n")
    assert int8_weight_type(cpuinfo) == "s8"
    cpuinfo.write_text("flags\t\t: fpu sse2 avx avx2 avx_vnni\n")
    assert int8_weight_type(cpuinfo) == "s8"
    assert int8_weight_type(tmp_path / "absent") == "u8"  # unknown: the safe choice


@pytest.mark.slow
def test_export_is_cached_and_redone_when_the_source_changes(
    onnx_int8: OnnxEmbedder, onnx_cache: Path, tmp_path: Path
) -> None:
    folder = cache_folder(onnx_cache, BUNDLED_EMBED_MODEL, "int8")
    exported_at = (folder / MARKER).stat().st_mtime
    started = time.perf_counter()
    again = OnnxEmbedder(
        BUNDLED_EMBED_MODEL,
        source=Path(resolve_model_path(BUNDLED_EMBED_MODEL, allow_download=False)),
        cache_dir=onnx_cache,
    )
    assert time.perf_counter() - started < 15  # loaded, not exported again
    assert (folder / MARKER).stat().st_mtime == exported_at
    assert np.allclose(again.embed(TEXTS), onnx_int8.embed(TEXTS), atol=1e-6)

    # A copy of the weights elsewhere is another source: exported anew into its own cache.
    source = tmp_path / "copy"
    shutil.copytree(resolve_model_path(BUNDLED_EMBED_MODEL, allow_download=False), source)
    other = OnnxEmbedder("copy", source=source, cache_dir=tmp_path / "cache", variant="fp32")
    record = json.loads((other._folder / MARKER).read_text())
    assert record["source"] == str(source) and record["parity_min_cosine"] > 0.9999


@pytest.mark.slow
def test_switching_to_onnx_needs_no_reindex(
    db: Database, torch_embedder: Embedder, onnx_int8: OnnxEmbedder, tiny_embedder_path: str
) -> None:
    embedder = torch_embedder
    options = IngestOptions(progress=False)
    ingest(db, embedder, [SAMPLE_CORPUS / "public" / "policies"], options)
    # Same model, other backend: ingest and search go on, and the collection says who wrote.
    report = ingest(db, onnx_int8, [SAMPLE_CORPUS / "public" / "faq"], options)
    assert report.added > 0 and not report.failed
    with db.administering() as conn:
        backends = get_collection(conn, "default").embed_backends
    assert backends == ("sentence-transformers", "onnx-int8")
    vector = SearchOptions(mode="vector")
    found = search(db, onnx_int8, "paid time off", Principal("a"), vector)
    torch_found = search(db, embedder, "paid time off", Principal("a"), vector)
    assert found.results[0].chunk_id == torch_found.results[0].chunk_id
    # A different model still must reindex, whatever its backend.
    tiny = load_embedder(tiny_embedder_path)
    with pytest.raises(ModelMismatchError):
        ingest(db, tiny, [SAMPLE_CORPUS / "public" / "policies"], options)


@pytest.mark.slow
def test_processes_sharing_a_cache_export_once_and_redo_an_older_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Path(resolve_model_path(BUNDLED_EMBED_MODEL, allow_download=False))
    cache = tmp_path / "shared"
    exports: list[Path] = []
    real_export = onnx_runtime._export

    def counted(*args: object) -> dict[str, object]:
        exports.append(Path(str(args[2])))
        return real_export(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(onnx_runtime, "_export", counted)
    # Two loaders start together on an empty cache (as two services on one machine would):
    # one exports, the other waits for it and uses its export.
    folders: list[Path] = []
    threads = [
        threading.Thread(target=lambda: folders.append(ensure_exported(source, "fp32", cache, "m")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(exports) == 1 and folders[0] == folders[1]
    marker = folders[0] / MARKER
    record = json.loads(marker.read_text())
    assert record["export_version"] == onnx_runtime.EXPORT_VERSION

    # An export an older ragtune made (before fusion) is redone, not loaded.
    record["export_version"] = 1
    marker.write_text(json.dumps(record))
    ensure_exported(source, "fp32", cache, "m")
    assert len(exports) == 2
    assert json.loads(marker.read_text())["export_version"] == onnx_runtime.EXPORT_VERSION


def test_auto_runs_onnx_on_a_cpu_and_torch_when_the_export_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "auto"
    chosen = load_embedder(BUNDLED_EMBED_MODEL, backend="auto", cache_dir=cache)
    assert isinstance(chosen, OnnxEmbedder) and chosen.backend == "onnx-int8"

    def broken(*args: object) -> dict[str, object]:
        raise RuntimeError("unsupported operator in this model")

    monkeypatch.setattr(onnx_runtime, "_export", broken)
    fallback = load_embedder(BUNDLED_EMBED_MODEL, backend="auto", cache_dir=tmp_path / "other")
    assert fallback.backend == "sentence-transformers"  # type: ignore[attr-defined]
    assert "unsupported operator" in caplog.text and "embedding with torch" in caplog.text
    # Vectors from either land in one collection: the same model within the parity bound.
    assert float(chosen.embed(TEXTS)[0] @ fallback.embed(TEXTS)[0]) >= PARITY_MIN_COSINE
