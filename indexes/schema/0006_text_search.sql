-- Full-text search that uses the GIN index and ranks a bounded number of rows (indexes/search.py).
--
-- Why functions: under row-level security a query qual may become an index condition only if
-- its operator is leakproof, and `tsvector @@ tsquery` is not. As ragtune_app every full-text
-- match therefore read the whole collection (a parallel sequential scan, about 250 ms at 100k
-- chunks). These functions run as the table owner, so the planner may use chunks_tsv_idx and
-- the column statistics. What they return is deliberately narrow: chunk ids with a rank, and
-- the frequencies of the caller's own query words. ragtune_text_candidates applies the same
-- predicate as the chunks_read policy (fails closed: no principal, no rows), and search.py
-- then reads those ids from chunks as ragtune_app, so row-level security still decides which
-- text comes back.

-- For each word of `query`: the share of the collection's chunks it is estimated to occur in,
-- NULL when the statistics do not list it among the common lexemes (then it is rare), and the
-- estimated number of chunks in the collection. The estimates are the planner's, from the
-- statistics ANALYZE/autovacuum keep on chunks.tsv, asked through EXPLAIN: pg_stats hides the
-- statistics of a table under forced row-level security even from its owner, the planner does
-- not. An unlisted word gets the planner's floor estimate, measured here with a lexeme no
-- parser emits (it holds a space). Before the table was ever analyzed every word is NULL.
-- The statistics count every row of the table, readable by the caller or not; they only decide
-- which query words count as common, never which rows may be returned.
CREATE FUNCTION ragtune_lexeme_frequencies(collection integer, query text)
RETURNS TABLE (lexeme text, frequency real, collection_rows real)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
AS $$
DECLARE
    plan json;
    analyzed boolean;
    floor_rows real;
    estimate constant text :=
        'EXPLAIN (FORMAT JSON) SELECT 1 FROM chunks WHERE collection_id = $1 AND tsv @@ $2';
BEGIN
    SELECT s.analyze_count + s.autoanalyze_count > 0 INTO analyzed
    FROM pg_catalog.pg_stat_all_tables s WHERE s.relid = 'chunks'::regclass;
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM chunks WHERE collection_id = $1'
        INTO plan USING collection;
    collection_rows := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::real;
    IF coalesce(analyzed, false) THEN
        EXECUTE estimate INTO plan USING collection, '''no such lexeme'''::tsquery;
        floor_rows := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::real;
    END IF;
    FOR lexeme IN SELECT unnest(tsvector_to_array(to_tsvector('english', query))) LOOP
        frequency := NULL;
        IF floor_rows IS NOT NULL THEN
            EXECUTE estimate INTO plan
                USING collection,
                      ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery;
            IF (plan -> 0 -> 'Plan' ->> 'Plan Rows')::real > floor_rows THEN
                frequency := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::real
                    / greatest(collection_rows, 1);
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

-- The `lim` best chunks of `collection` matching `match`, ranked by ts_rank_cd against
-- `ranking`, among those the current principal may read (the chunks_read predicate) and, when
-- `doc_ids` is not NULL, only in those documents (then found through chunks_document_idx).
-- Ties break on id, so results are stable. PL/pgSQL: each branch's plan is cached per session.
CREATE FUNCTION ragtune_text_candidates(
    collection integer, match tsquery, ranking tsquery, doc_ids uuid[], lim integer)
RETURNS TABLE (id uuid, rank_score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    IF doc_ids IS NULL THEN
        RETURN QUERY
        SELECT c.id, ts_rank_cd(c.tsv, ranking, 1)
        FROM chunks c
        WHERE c.collection_id = collection
          AND c.tsv @@ match
          AND c.allowed_groups && ragtune_principal_groups()
        ORDER BY 2 DESC, 1
        LIMIT lim;
    ELSE
        RETURN QUERY
        SELECT c.id, ts_rank_cd(c.tsv, ranking, 1)
        FROM chunks c
        WHERE c.document_id = ANY(doc_ids)
          AND c.collection_id = collection
          AND c.tsv @@ match
          AND c.allowed_groups && ragtune_principal_groups()
        ORDER BY 2 DESC, 1
        LIMIT lim;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION ragtune_lexeme_frequencies(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ragtune_text_candidates(integer, tsquery, tsquery, uuid[], integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ragtune_lexeme_frequencies(integer, text) TO ragtune_app;
GRANT EXECUTE ON FUNCTION ragtune_text_candidates(integer, tsquery, tsquery, uuid[], integer)
    TO ragtune_app;
