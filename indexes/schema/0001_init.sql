-- Collections, documents and chunks, with row-level security on everything that holds text.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE collections (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    embed_model text NOT NULL,
    embed_dim   integer NOT NULL CHECK (embed_dim > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id             uuid PRIMARY KEY,
    collection_id  integer NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path           text NOT NULL,          -- absolute path: the identity of the document
    source         text NOT NULL,          -- path relative to the ingest root, shown in citations
    title          text NOT NULL,
    format         text NOT NULL,
    content_hash   text NOT NULL,
    byte_size      bigint NOT NULL,
    n_chunks       integer NOT NULL,
    allowed_groups text[] NOT NULL,
    ingested_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection_id, path)
);

CREATE TABLE chunks (
    id             uuid PRIMARY KEY,
    document_id    uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    collection_id  integer NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    ordinal        integer NOT NULL,
    section        text NOT NULL DEFAULT '',
    page           integer,
    start_char     integer NOT NULL,
    end_char       integer NOT NULL,
    text           text NOT NULL,
    text_hash      text NOT NULL,
    -- Copied from the document so the access filter needs no join inside the vector scan.
    allowed_groups text[] NOT NULL,
    -- Untyped so collections may use different models; each collection gets an HNSW index
    -- on embedding::vector(dim) restricted to its rows (see indexes/collections.py).
    embedding      vector NOT NULL,
    tsv            tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('english', section), 'A')
                       || to_tsvector('english', text)) STORED,
    UNIQUE (document_id, ordinal)
);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX chunks_document_idx ON chunks (document_id);
CREATE INDEX chunks_collection_idx ON chunks (collection_id);

-- The caller's groups, set per transaction by indexes/database.py. Unset or empty: NULL,
-- and `x && NULL` is never true, so a connection without a principal reads nothing.
CREATE FUNCTION ragtune_principal_groups() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT string_to_array(NULLIF(current_setting('ragtune.principal_groups', true), ''), ',')
$$;

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
ALTER TABLE chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE chunks FORCE ROW LEVEL SECURITY;

-- The table owner (admin pool: migrations, ingest, delete) manages everything; with FORCE it
-- needs explicit policies too.
CREATE POLICY documents_owner ON documents FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY chunks_owner ON chunks FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

-- The application role reads only what the principal may see.
CREATE POLICY documents_read ON documents FOR SELECT TO ragtune_app
    USING (allowed_groups && ragtune_principal_groups());
CREATE POLICY chunks_read ON chunks FOR SELECT TO ragtune_app
    USING (allowed_groups && ragtune_principal_groups());

GRANT USAGE ON SCHEMA public TO ragtune_app;
GRANT SELECT ON collections, documents, chunks TO ragtune_app;
GRANT EXECUTE ON FUNCTION ragtune_principal_groups() TO ragtune_app;
