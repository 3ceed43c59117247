-- The HTTP service: API keys, answer feedback, the chat frontend's conversations, and the link
-- from an OpenAI-style message history to an agent thread.

-- A key is shown once when created; only its SHA-256 is stored. `prefix` (the first characters
-- of the token) identifies it in listings and logs without revealing it.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    prefix       text NOT NULL,
    key_hash     text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    user_name    text NOT NULL,
    groups       text[] NOT NULL DEFAULT '{}',
    is_admin     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_name);

-- Thumbs up/down with an optional comment, from the API or the chat frontend. No answer or
-- document text is copied here: the thread and message identify what was rated.
CREATE TABLE feedback (
    id         uuid PRIMARY KEY,
    user_name  text NOT NULL,
    thread_id  text NOT NULL,
    message_id text,
    rating     smallint NOT NULL CHECK (rating IN (-1, 1)),
    comment    text NOT NULL DEFAULT '' CHECK (length(comment) <= 4000),
    source     text NOT NULL CHECK (source IN ('api', 'chat')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_thread_idx ON feedback (thread_id);
-- One rating per user and message: rating a message again replaces the earlier rating.
CREATE UNIQUE INDEX feedback_message_idx ON feedback (user_name, thread_id, message_id)
    WHERE message_id IS NOT NULL;

-- The chat frontend's conversations as it displays them (Chainlit steps). A thread's id is also
-- the agent's thread id. Citations are kept as chunk ids only; their quoted text is read again
-- through row-level security when a conversation is resumed.
CREATE TABLE chat_threads (
    id         text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:-]{1,128}$'),
    user_name  text NOT NULL,
    name       text NOT NULL DEFAULT '',
    tags       text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_threads_user_idx ON chat_threads (user_name, updated_at DESC);

CREATE TABLE chat_steps (
    id         text PRIMARY KEY,
    thread_id  text NOT NULL REFERENCES chat_threads(id) ON DELETE CASCADE,
    user_name  text NOT NULL,
    step       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_steps_thread_idx ON chat_steps (thread_id, created_at);

-- The app role reads a conversation only for its owner: reading(principal) puts user:<name>
-- among the principal's groups.
ALTER TABLE chat_threads ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_threads FORCE ROW LEVEL SECURITY;
ALTER TABLE chat_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY chat_threads_owner ON chat_threads FOR ALL TO CURRENT_USER
    USING (true) WITH CHECK (true);
CREATE POLICY chat_steps_owner ON chat_steps FOR ALL TO CURRENT_USER
    USING (true) WITH CHECK (true);
CREATE POLICY chat_threads_read ON chat_threads FOR SELECT TO ragtune_app
    USING (('user:' || user_name) = ANY (ragtune_principal_groups()));
CREATE POLICY chat_steps_read ON chat_steps FOR SELECT TO ragtune_app
    USING (('user:' || user_name) = ANY (ragtune_principal_groups()));
GRANT SELECT ON chat_threads, chat_steps TO ragtune_app;

-- OpenAI-style clients resend the whole conversation each turn. After each answer the hash of
-- (user, messages so far, the reply) is linked to the agent thread, so the next request, whose
-- earlier turns hash the same, continues that thread.
CREATE TABLE conversation_links (
    history_hash text PRIMARY KEY CHECK (history_hash ~ '^[0-9a-f]{64}$'),
    user_name    text NOT NULL,
    thread_id    text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
