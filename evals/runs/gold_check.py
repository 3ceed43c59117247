"""Gold citations checked against the index before a run: a gold source that names no
document the item's user may read (a typo, a file never ingested) would quietly score 0 for
retrieval and citations, and read as a quality problem."""

from __future__ import annotations

from evals.metrics import SourceRef, source_matches
from evals.suites import Suite
from indexes.database import Database
from indexes.documents import list_documents
from ragtune.errors import NotFoundError
from ragtune.principal import Principal


def gold_not_found(db: Database, suite: Suite, collection: str) -> list[str]:
    """One line per gold source of ``suite`` that matches no document its item's user may
    read in ``collection`` (the citation metrics' path rule); [] when the collection is not
    there (every item then fails with that error)."""
    readable: dict[Principal, list[SourceRef]] = {}
    problems = []
    for item in suite.items:
        principal = Principal(item.user, frozenset(item.groups))
        if principal not in readable:
            try:
                docs = list_documents(db, principal, collection)
            except NotFoundError:
                return []
            readable[principal] = [SourceRef(d.source) for d in docs]
        for gold in item.gold_citations:
            if not any(source_matches(doc, SourceRef(gold.source)) for doc in readable[principal]):
                problems.append(
                    f"{item.id}: gold source {gold.source!r} matches no document "
                    f"{item.user} may read in collection {collection!r}"
                )
    return problems
