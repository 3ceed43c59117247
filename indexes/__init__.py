"""Postgres + pgvector: connection, migrations, loading, chunking, embeddings, ingestion, search."""
