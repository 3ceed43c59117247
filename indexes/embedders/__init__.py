"""Embedder backends beyond sentence-transformers: ONNX Runtime (int8) and a remote server."""
