"""The LlamaIndex baseline: its in-memory VectorStoreIndex over the same files and embedder.

LlamaIndex is imported inside the functions, so the rest of bench runs without it. The index
embeds with ragtune's own embedder (``llama_embedding``), so both systems see the same vectors;
its nodes carry no section path, so their ``Hit``s have ``section=None``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import PrivateAttr

from bench.retrieval_scoring import Corpus, Hit, K
from indexes.embeddings import Embedder

# all-MiniLM-L6-v2 embeds at most 256 tokens; longer texts are truncated, not rejected.
MODEL_WINDOW = 256


def llama_embedding(embedder: Embedder) -> Any:
    """Our embedder behind LlamaIndex's BaseEmbedding interface (same model, same vectors)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding

    class RagtuneEmbedding(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed(texts).tolist()

    return RagtuneEmbedding(embedder)


def build_llama_index(
    files: list[Path], embedder: Embedder, chunk_size: int
) -> tuple[Any, dict[str, Any]]:
    """LlamaIndex: SimpleDirectoryReader, SentenceSplitter at ``chunk_size``, in-memory store."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode

    started = time.perf_counter()
    documents, unread = [], {}
    for f in files:
        # File by file: a reader LlamaIndex lacks (docx2txt for DOCX) skips that file only.
        try:
            documents += SimpleDirectoryReader(input_files=[str(f)]).load_data()
        except ImportError as exc:
            unread[f.name] = str(exc)
    parser = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=min(200, chunk_size // 8))
    index = VectorStoreIndex.from_documents(
        documents,
        embed_model=llama_embedding(embedder),
        transformations=[parser],
        show_progress=sys.stderr.isatty(),
    )
    build_s = time.perf_counter() - started
    nodes = list(index.docstore.docs.values())
    tokens = [embedder.count_tokens(n.get_content(metadata_mode=MetadataMode.EMBED)) for n in nodes]
    facts = {
        "documents": len(documents),
        "files_not_read": unread,
        "nodes": len(nodes),
        "node_parser": f"SentenceSplitter(chunk_size={parser.chunk_size},"
        f" chunk_overlap={parser.chunk_overlap})",
        "node_tokens_mean": float(np.mean(tokens)),
        "model_window_tokens": MODEL_WINDOW,
        "nodes_truncated_fraction": float(np.mean([t > MODEL_WINDOW - 2 for t in tokens])),
        "build_seconds": build_s,
    }
    return index, facts


def llama_hits(index: Any, corpus: Corpus) -> tuple[dict[str, list[Hit]], list[float]]:
    """The top K nodes for each asked question, and each retrieval's wall time in ms (after
    one warm-up query)."""
    retriever = index.as_retriever(similarity_top_k=K)
    retriever.retrieve("warm up")
    root = corpus.root.resolve()
    hits, latencies = {}, []
    for q in corpus.asked:
        started = time.perf_counter()
        nodes = retriever.retrieve(q.question)
        latencies.append((time.perf_counter() - started) * 1000)
        hits[q.id] = [
            Hit(
                Path(n.node.metadata["file_path"]).resolve().relative_to(root).as_posix(),
                None,
                n.node.get_content(),
            )
            for n in nodes
        ]
    return hits, latencies
