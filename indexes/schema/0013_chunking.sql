-- What a chunk is read with, and how each document was chunked.

-- The header lines of the Markdown table a chunk starts inside, below them (indexes/tables.py):
-- a long table is cut into several chunks, and the rows of all but the first cannot be read
-- without the column names. Read with the chunk (its sentence runs, the agent's passage) but
-- not part of its text, which stays the exact span start_char..end_char. '' for other chunks.
ALTER TABLE chunks ADD COLUMN table_header text NOT NULL DEFAULT '';

-- How each document was chunked (IngestOptions.chunking: the chunker's version and token
-- budgets). An ingest chunks a file again when this differs, even if its bytes did not
-- change, so documents written before this column get their table headers on the next one.
ALTER TABLE documents ADD COLUMN chunking text NOT NULL DEFAULT '';
