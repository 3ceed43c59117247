"""The exact-answer re-rank: identifiers that single out a section lift it; one that names
the whole corpus does not."""

from __future__ import annotations

from indexes.search.reorder import answer_rerank
from indexes.search.results import SearchResponse, SearchResult


def test_the_organisation_name_does_not_outrank_the_answer() -> None:
    # The corpus is the handbook of "9Z": many sections' paths name it. The best-fused result
    # answers but its path does not; boosting "9Z" headings would push it down.
    def result(rank: int, title: str, section: str, score: float) -> SearchResult:
        return SearchResult(
            rank, score, f"c{rank}", "d", "h.md", title, section, None, 0, 9, "Ten days."
        )

    results = [result(1, "Leave", "Leave > Annual leave", 0.80)]
    results += [result(n, "9Z handbook", f"9Z handbook > Topic {n}", 0.70) for n in range(2, 12)]
    results += [result(n, "Other", f"Other > Topic {n}", 0.60) for n in range(12, 31)]
    response = SearchResponse("How much annual leave does 9Z give?", results)
    assert answer_rerank(response, 5).results[0].chunk_id == "c1"
    # A code that heads one section still lifts it above the rest.
    coded = [*results[:-1], result(30, "Codes", "Codes > 9Z-17 Leave code", 0.50)]
    asked = SearchResponse("What is leave code 9Z-17?", coded)
    assert answer_rerank(asked, 5).results[0].chunk_id == "c30"
