-- A counter that moves whenever the documents change, so a running agent can tell with one
-- cheap read that its cached index snapshot (indexes/snapshot.py) is out of date; computing
-- the snapshot itself reads every document row, too much to do for each answer. A sequence,
-- not a column: nextval takes no row lock, so concurrent ingest workers never wait on it.
-- The trigger is deferred to commit time, so the counter moves after the rows it counts.
CREATE SEQUENCE ragtune_index_generation;

CREATE FUNCTION ragtune_bump_index_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('ragtune_index_generation');
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER documents_index_generation
    AFTER INSERT OR UPDATE OR DELETE ON documents
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ragtune_bump_index_generation();
