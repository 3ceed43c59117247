"""The retrieve node: the caller's permitted sources for the question, and the route they imply
(agent/reroute.py).

Passages enter the agent here and only here, so this is where retrieved text becomes data:
every source is neutralised (agent/injection.py) before any later stage, extractive quote,
generation prompt, verification or citation, can see it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langgraph.runtime import Runtime

from agent.answer import AgentEvent
from agent.context import RunContext
from agent.coverage import coverage
from agent.extractive import names_all
from agent.injection import neutralise, wants_links
from agent.nodes.timed import timed
from agent.reroute import reroute
from agent.state import AgentState
from evals.judges.readings import CORPUS_NAME_SHARE
from generation.likelihood import LikelihoodScorer
from indexes.tables import with_table_header
from indexes.terms import WordUse, document_share, mentioned, question_words, unused_words
from ragtune.errors import ConfigError
from tools import rag
from tools.rag import Source


@timed("retrieve")
def retrieve(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The sources (as JSON), the best relevance, and any route change they force."""
    ctx = runtime.context
    res, cfg = ctx.resources, ctx.resources.config
    found = rag.retrieve(res.db, res.embedder, state["standalone"], ctx.principal, ctx.search)
    best = found.best_relevance
    ctx.send(AgentEvent("retrieval", {"results": len(found.sources), "best_relevance": best}))
    keep_urls = wants_links(state["question"])
    found = replace(found, sources=[_as_data(s, keep_urls) for s in found.sources])
    if cfg.likelihood_weight and len(found.sources) > 1:
        # After neutralising: the model reads the passages as data, as every later stage does.
        found = _by_likelihood(found, ctx)
    sources = found.sources
    update: dict[str, Any] = {
        "sources": [s.to_json() for s in sources],
        "best_relevance": best,
    }
    corpus = (res.db, ctx.principal, ctx.search.collection)
    cov = coverage(
        state["standalone"],
        sources,
        lambda name: document_share(*corpus, name) >= CORPUS_NAME_SHARE,
        abstaining=cfg.answerability == "abstain",
    )
    unknown = [
        term
        for term in cov.missing_identifiers
        if not mentioned(res.db, ctx.principal, ctx.search.collection, term)
    ]
    # When no source reaches the bar, one that names the question's codes and acronyms may
    # be quoted. When some do but none names its codes ("E-214": a digit and a letter), one
    # below the bar that names them may be quoted too: an embedding does not read a code, and
    # a record about E-322 that happens to score above the bar answers nothing about E-214.
    # (Not an acronym then: "RFC" or "TTS" names a kind of thing, which a passage above the
    # bar may be about in other words.)
    if best < cfg.min_relevance:
        update["named"] = list(cov.named)
    else:
        codes = [n for n in cov.named if any(ch.isdigit() for ch in n)]
        above = [s for s in sources if s.relevance >= cfg.min_relevance]
        update["named"] = codes if not any(names_all(s, codes) for s in above) else []
    use = WordUse()
    if best < cfg.min_relevance and state["route"] in ("rag", "both"):
        # Only on the way to declining a grounded route (reroute's only use of it): say which
        # of the asker's own words no document uses. A "none" route was probed when routed.
        words = question_words(state["question"])
        use = unused_words(res.db, ctx.principal, ctx.search.collection, words)
    update.update(reroute(state, best, cov, unknown, cfg, use))
    return update


def _by_likelihood(found: rag.Retrieval, ctx: RunContext) -> rag.Retrieval:
    """The sources re-ordered by how likely the local model finds the question after each."""
    cfg = ctx.resources.config
    generator = ctx.resources.generator()
    if not isinstance(generator, LikelihoodScorer):
        raise ConfigError(
            f"The {generator.backend} generator cannot score questions after passages",
            hint="set RAGTUNE_AGENT_LIKELIHOOD_WEIGHT=0, or RAGTUNE_GENERATOR_BACKEND=local",
        )
    return rag.reorder_by_likelihood(
        found,
        generator.question_likelihoods,
        weight=cfg.likelihood_weight,
        depth=cfg.likelihood_depth,
    )


def _as_data(source: Source, keep_urls: bool) -> Source:
    """``source`` with its text and heading path neutralised, and the header of the table its
    text continues (indexes/tables.py) put before it, so every later stage reads its rows with
    their column names. Neutralising keeps lengths, and the header only goes before the text:
    ``start_char``/``end_char`` locate the passage's last ``end_char - start_char``
    characters."""
    result = source.result
    clean = replace(
        result,
        text=neutralise(with_table_header(result.table_header, result.text), keep_urls=keep_urls),
        table_header="",
        section=" ".join(neutralise(result.section).split()),
        title=" ".join(neutralise(result.title).split()),
    )
    return replace(source, result=clean)
