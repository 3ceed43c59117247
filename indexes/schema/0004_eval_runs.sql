-- Eval runs (ragtune eval run): one row per run, with the whole run record for baselines.

CREATE TABLE eval_runs (
    id            text PRIMARY KEY,           -- e.g. 20241125T142305Z-quillmark-3fa2c1
    suite         text NOT NULL,
    suite_sha256  text NOT NULL,
    status        text NOT NULL CHECK (status IN ('complete', 'partial')),
    target        text NOT NULL,
    judge         text NOT NULL,
    git_commit    text,
    items         integer NOT NULL CHECK (items >= 0),
    scored        integer NOT NULL CHECK (scored >= 0),
    -- metric name -> value (null: n/a), for `ragtune eval history` without reading `run`.
    metrics       jsonb NOT NULL,
    gate_passed   boolean,                    -- null: no baseline was given
    run           jsonb NOT NULL,             -- the run.json record, read back as a baseline
    started_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX eval_runs_suite_idx ON eval_runs (suite, started_at DESC);

-- A run holds answers and quoted passages, restricted ones included (suites ask as users with
-- groups), so it is evaluator data: only the table owner (the admin pool) reads or writes it,
-- and ragtune_app is granted nothing. RLS is forced so a later grant cannot expose it by
-- accident.
ALTER TABLE eval_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE eval_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY eval_runs_owner ON eval_runs FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
