-- Does a collection hold more than `n` chunks, readable by the caller or not? search.py asks
-- before it scans a principal's few readable chunks exhaustively (few_documents): that only
-- pays when they are a small share of the collection: for a principal who reads everything in
-- a collection of 2,752 chunks (the 18F handbook) a vector search took 40 ms a query
-- exhaustively and 20 ms through HNSW, end to end on 2 cores. Row-level security hides the
-- other rows from the app role, hence the function; it returns one boolean about the
-- collection's size, never a row. Reads at most n + 1 entries of chunks_collection_idx.
CREATE FUNCTION ragtune_collection_exceeds(collection integer, n bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
AS $$
    SELECT count(*) > n FROM (SELECT 1 FROM chunks WHERE collection_id = collection LIMIT n + 1) t
$$;

REVOKE ALL ON FUNCTION ragtune_collection_exceeds(integer, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ragtune_collection_exceeds(integer, bigint) TO ragtune_app;
