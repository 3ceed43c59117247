-- Each sentence of a chunk embedded on its own (with the chunk's title and heading path), as
-- float16 vectors packed one after another. Search re-ranks its candidates by their best
-- sentence's similarity to the query (indexes/sentence_vectors.py): a long chunk's one
-- vector averages the sentence that answers with its neighbours. NULL for chunks written
-- before this column or with sentence vectors turned off; those re-rank by the chunk vector.
ALTER TABLE chunks ADD COLUMN sentence_vectors bytea;
