-- Conversation threads: who owns each one. The turns themselves live in LangGraph's checkpoint
-- tables (created by langgraph-checkpoint-postgres), which hold retrieved text, so the agent
-- only reads a thread after checking its owner here.

CREATE TABLE threads (
    thread_id  text PRIMARY KEY CHECK (thread_id ~ '^[A-Za-z0-9_.:-]{1,128}$'),
    owner      text NOT NULL,
    title      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX threads_owner_idx ON threads (owner, updated_at DESC);
