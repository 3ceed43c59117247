-- Uploads ingested in the background (POST /v1/documents?wait=false): a large upload embeds for
-- minutes, longer than clients and proxies wait for one response. The row is what
-- GET /v1/uploads/{id} answers from any service worker: how far the ingest got, its report
-- when it ends, and a cancel request that the ingest reads between slices it embeds.
-- `heartbeat_at` moves every 30 s while the job's process lives; a running job whose heartbeat
-- stopped (its process died) is reported as interrupted. No document text is kept here.
CREATE TABLE upload_jobs (
    id            uuid PRIMARY KEY,
    collection    text NOT NULL,
    created_by    text NOT NULL,
    status        text NOT NULL
                  CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
    files         integer NOT NULL,
    files_done    integer NOT NULL DEFAULT 0,
    chunks_embedded integer NOT NULL DEFAULT 0,
    cancel_requested boolean NOT NULL DEFAULT false,
    report        jsonb,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX upload_jobs_created_idx ON upload_jobs (created_at DESC);
