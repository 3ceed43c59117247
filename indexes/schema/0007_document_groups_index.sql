-- Which documents may this principal read? The documents_read policy's predicate
-- (allowed_groups && ragtune_principal_groups()) can be answered from this index instead of
-- a scan of every document. search.py asks that question before each search (few_documents):
-- for a principal who reads 1% of 10k documents the probe went from 5.0 to 0.4 ms (p50).
CREATE INDEX documents_groups_idx ON documents USING gin (allowed_groups);
