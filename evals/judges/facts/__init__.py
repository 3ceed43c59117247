"""The checkable facts of a sentence: content words, quantities, dates, names and polarity.

The offline judge and the overlap baseline compare these between a claim and its evidence.
Everything here is plain rules over English text (no model, no download), so verdicts are
deterministic and explainable: "the claim says 30 days, the evidence says 15 days".

One module per kind of fact: ``words`` (tokens and stems), ``quantities``, ``dates``, ``names``,
``polarity``; ``extract`` reads them all from a sentence, ``compare`` checks a claim's facts
against its evidence's. This package exports what the judges use.
"""

from evals.judges.facts.compare import (
    antonym_conflicts,
    coverage,
    missing_dates,
    missing_entities,
    missing_quantities,
)
from evals.judges.facts.dates import DateRef
from evals.judges.facts.extract import Facts, Term, extract_facts, facts_of
from evals.judges.facts.names import VALUE_KIND
from evals.judges.facts.polarity import (
    ANTONYMS,
    POLAR,
    states_condition,
    states_exception,
    states_restriction,
)
from evals.judges.facts.quantities import Quantity
from evals.judges.facts.words import stem

__all__ = [
    "ANTONYMS",
    "POLAR",
    "VALUE_KIND",
    "DateRef",
    "Facts",
    "Quantity",
    "Term",
    "antonym_conflicts",
    "coverage",
    "extract_facts",
    "facts_of",
    "missing_dates",
    "missing_entities",
    "missing_quantities",
    "states_condition",
    "states_exception",
    "states_restriction",
    "stem",
]
