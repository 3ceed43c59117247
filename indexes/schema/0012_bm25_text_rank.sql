-- The full-text side ranks its candidates by BM25 instead of ts_rank_cd (indexes/search/
-- lexemes.py). ts_rank_cd weighs every query word the same, so a chunk holding several of a
-- question's common words ("project", "team", the organisation's own name) outranked the one
-- holding the rare word the question is about, and the weighted fusion, which divides by the
-- query's best full-text score, handed that chunk the whole full-text share. BM25 weighs each
-- word by its inverse document frequency, which the caller computes from the planner's
-- estimates it already reads (ragtune_lexeme_frequencies), saturates repeats (k1 = 1.2) and
-- normalises by length (b = 0.75; the length is the chunk's number of distinct lexemes,
-- against the mean of the chunks the match found). These are the textbook parameters, not
-- fitted. A word of the heading path (weight A) counts twice, as a heading states what the
-- section is about.

-- The new ragtune_text_candidates is an overload (its arguments differ): the one of 0006 stays,
-- so processes of the previous version keep searching while a deployment rolls over; a later
-- migration may drop it. ragtune_lexeme_frequencies gains a column (a new row type, so it is
-- dropped and created again); the previous version reads its first three by name.
DROP FUNCTION ragtune_lexeme_frequencies(integer, text);

-- As in 0006, plus `floor_frequency`: the planner's estimate for a word the statistics do not
-- list (NULL before the table was ever analyzed), so a rare word gets an inverse document
-- frequency too.
CREATE FUNCTION ragtune_lexeme_frequencies(collection integer, query text)
RETURNS TABLE (lexeme text, frequency real, collection_rows real, floor_frequency real)
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
        floor_frequency := floor_rows / greatest(collection_rows, 1);
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

-- BM25 of one chunk's tsvector for the query words `lexemes`, each weighted by its entry of
-- `idfs`; `mean_length` is the mean number of distinct lexemes of the chunks compared.
CREATE FUNCTION ragtune_bm25(tsv tsvector, lexemes text[], idfs real[], mean_length real)
RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(sum(
        q.idf * t.tf * 2.2
        / (t.tf + 1.2 * (0.25 + 0.75 * length(tsv) / greatest(mean_length, 1)))
    ), 0)::real
    FROM (
        SELECT u.lexeme,
               coalesce(cardinality(u.positions), 1)
               + coalesce(cardinality(array_positions(u.weights, 'A')), 0) AS tf
        FROM unnest(tsv) AS u
        WHERE u.lexeme = ANY(lexemes)
    ) t
    JOIN unnest(lexemes, idfs) AS q(lexeme, idf) ON q.lexeme = t.lexeme
$$;

-- The `lim` best chunks of `collection` matching `match`, ranked by BM25 for `lexemes` and
-- `idfs`, among those the current principal may read (the chunks_read predicate) and, when
-- `doc_ids` is not NULL, only in those documents (then found through chunks_document_idx).
-- Ties break on id, so results are stable. PL/pgSQL: each branch's plan is cached per session.
CREATE FUNCTION ragtune_text_candidates(
    collection integer, match tsquery, lexemes text[], idfs real[], doc_ids uuid[], lim integer)
RETURNS TABLE (id uuid, rank_score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    IF doc_ids IS NULL THEN
        RETURN QUERY
        WITH m AS MATERIALIZED (
            SELECT c.id, c.tsv
            FROM chunks c
            WHERE c.collection_id = collection
              AND c.tsv @@ match
              AND c.allowed_groups && ragtune_principal_groups()
        ), mean AS (SELECT avg(length(m.tsv))::real AS n FROM m)
        SELECT m.id, ragtune_bm25(m.tsv, lexemes, idfs, mean.n)
        FROM m, mean
        ORDER BY 2 DESC, 1
        LIMIT lim;
    ELSE
        RETURN QUERY
        WITH m AS MATERIALIZED (
            SELECT c.id, c.tsv
            FROM chunks c
            WHERE c.document_id = ANY(doc_ids)
              AND c.collection_id = collection
              AND c.tsv @@ match
              AND c.allowed_groups && ragtune_principal_groups()
        ), mean AS (SELECT avg(length(m.tsv))::real AS n FROM m)
        SELECT m.id, ragtune_bm25(m.tsv, lexemes, idfs, mean.n)
        FROM m, mean
        ORDER BY 2 DESC, 1
        LIMIT lim;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION ragtune_lexeme_frequencies(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ragtune_text_candidates(integer, tsquery, text[], real[], uuid[], integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ragtune_lexeme_frequencies(integer, text) TO ragtune_app;
GRANT EXECUTE ON FUNCTION ragtune_text_candidates(integer, tsquery, text[], real[], uuid[], integer)
    TO ragtune_app;
