"""indexes/search/embedding.py: what of a query is embedded."""

from __future__ import annotations

import numpy as np

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.search import search
from indexes.search.embedding import embeddable
from indexes.search.options import SearchOptions
from ragtune.principal import Principal


def test_pictographs_and_their_marks_are_not_embedded_and_words_of_any_script_are() -> None:
    assert (
        embeddable("😀 How many vacation days carry over?") == "How many vacation days carry over?"
    )
    assert embeddable("Family 👨‍👩‍👧 leave 👍🏽") == "Family leave"
    assert embeddable("中 What does E-214 mean → now?") == "中 What does E-214 mean → now?"
    assert embeddable("été") == "été"
    assert embeddable("😀") == "😀"  # nothing else to embed: the query as sent


def test_a_pictograph_does_not_move_a_query_away_from_its_answer(
    sample_db: Database, embedder: Embedder
) -> None:
    options = SearchOptions(collection="default", k=3)
    plain = search(sample_db, embedder, "Can I work from home?", Principal("erin"), options)
    decorated = search(
        sample_db, embedder, "🙂🙂 Can I work from home?", Principal("erin"), options
    )
    assert [r.chunk_id for r in decorated.results] == [r.chunk_id for r in plain.results]
    top = plain.results[0].chunk_id
    assert np.isclose(decorated.similarity[top], plain.similarity[top], atol=1e-6)
