"""Postgres + pgvector: the database layer, migrations, row-level security, loading,
chunking, embeddings, ingestion, hybrid search."""
