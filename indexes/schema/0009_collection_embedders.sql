-- Which backends computed a collection's vectors (sentence-transformers, onnx-int8, remote...).
-- The model (embed_model) decides whether vectors are comparable; backends of one model are
-- held to a parity bound, so a collection may hold vectors from several of them.
ALTER TABLE collections
    ADD COLUMN embed_backends text[] NOT NULL DEFAULT ARRAY['sentence-transformers'];
