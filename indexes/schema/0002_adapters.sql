-- The adapter registry: trained LoRA/QLoRA adapters, who may use them, and which is active where.

CREATE TABLE adapters (
    id             serial PRIMARY KEY,
    name           text NOT NULL UNIQUE,
    path           text NOT NULL,          -- absolute path of the adapter folder
    base_model     text NOT NULL,
    method         text NOT NULL CHECK (method IN ('qlora', 'lora')),
    -- Union of the training pairs' groups; {everyone} when no pair was restricted. An adapter
    -- carries what it learned, so only principals in one of these groups may route to it.
    allowed_groups text[] NOT NULL CHECK (cardinality(allowed_groups) > 0),
    manifest       jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- One active adapter per scope: '*' (global) or a domain name. Removing the adapter frees it.
CREATE TABLE adapter_activations (
    scope        text PRIMARY KEY CHECK (scope <> ''),
    adapter_id   integer NOT NULL REFERENCES adapters(id) ON DELETE CASCADE,
    activated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX adapter_activations_adapter_idx ON adapter_activations (adapter_id);

ALTER TABLE adapters ENABLE ROW LEVEL SECURITY;
ALTER TABLE adapters FORCE ROW LEVEL SECURITY;
CREATE POLICY adapters_owner ON adapters FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY adapters_read ON adapters FOR SELECT TO ragtune_app
    USING (allowed_groups && ragtune_principal_groups());

GRANT SELECT ON adapters, adapter_activations TO ragtune_app;
