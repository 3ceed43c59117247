"""Route a question to rag, adapter, both or none (the routing policy in DESIGN.md).

Default router (``classifier``): the policy's unambiguous cues as rules first (a writing task
that must quote documents is ``both``; "what does X mean" is ``adapter``), then a
nearest-neighbour classifier over labelled example questions embedded with the configured
embedder. Deterministic and a few milliseconds per question. ``llm`` asks the generator instead
and falls back to the classifier when its reply does not parse.

The decision is provisional: the graph changes it when retrieval finds nothing relevant or
the confidence is low (see agent/reroute.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from agent.answer import ROUTES, Route
from generation.generator import GenerationParams, Generator
from indexes.embeddings import Embedder
from ragtune.choices import choose
from ragtune.errors import ConfigError, InputError, NotFoundError

BUNDLED_EXAMPLES = Path(__file__).resolve().parent / "data" / "router_examples.jsonl"
# Neighbours that vote; 7 keeps one odd example from deciding alone on ~100 examples.
NEIGHBOURS = 7
# Softmax temperature over summed similarities: a clear majority of close neighbours gets a
# confidence above 0.9, a split vote of equally close ones lands near 0.5-0.7.
TEMPERATURE = 0.5


@dataclass(frozen=True)
class RouteDecision:
    """A route, why, and how sure the router is (0-1)."""

    route: Route
    reason: str
    confidence: float
    by: str  # "rule", "classifier", "llm", "caller", "guard" or "relevance"


class Router(Protocol):
    """Chooses a route for a standalone question."""

    def route(self, question: str) -> RouteDecision: ...


# The policy's strongest cues. A writing task naming a customer/ticket deliverable that must
# quote documents is the "both" case; vocabulary and house-style questions are the adapter's.
_WRITE_TASK = re.compile(
    r"(^|[.?!]\s+)(please\s+)?(write|draft|compose|prepare|create|turn|summari[sz]e|fill\s+(in|out)"
    r"|(answer|respond|reply)\s+in\s+our)\b.*"
    r"\b(reply|email|e-mail|response|ticket|summary|note|message|update|letter|template|style)\b",
    re.IGNORECASE,
)
_CITES = re.compile(r"\b(cit(e|ing|ation)s?|quot(e|ing)|sources?|according to|from the)\b", re.I)
_VOCABULARY = re.compile(
    r"^\s*(what\s+(does|do)\s+.+\s+mean\b|define\b|what\s+is\s+meant\s+by\b"
    r"|in\s+our\s+(vocabulary|language|terminology)\b|what\s+do\s+we\s+call\b)",
    re.IGNORECASE,
)


def is_writing_task(question: str) -> bool:
    """Whether ``question`` asks for a deliverable (a reply, a ticket summary...) to be written."""
    return _WRITE_TASK.search(question) is not None


def rule_route(question: str) -> RouteDecision | None:
    """The route a policy rule gives ``question``, or None when no rule applies."""
    if _WRITE_TASK.search(question):
        # A deliverable for a customer or a ticket states facts, so it needs the documents as
        # well as the house style, whether or not the request says "cite".
        quoted = _CITES.search(question) is not None
        return RouteDecision(
            "both",
            "a writing task in house style that must state facts from the documents",
            0.95 if quoted else 0.8,
            "rule",
        )
    if _VOCABULARY.search(question):
        return RouteDecision(
            "adapter", "asks for the company's vocabulary (a definition)", 0.9, "rule"
        )
    return None


_REASONS: dict[Route, str] = {
    "rag": "needs facts from the documents, with sources",
    "adapter": "asks for domain vocabulary, house style or a standard procedure",
    "both": "a business writing task that needs retrieved facts in domain language",
    "none": "outside what the company documents and the domain adapter cover",
}


@dataclass(frozen=True)
class Example:
    """A labelled routing example."""

    question: str
    route: Route


def read_examples(path: Path) -> list[Example]:
    """Labelled examples from JSONL ``{"question", "route"}``; InputError with line numbers."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise NotFoundError(f"No routing examples at {path}", hint="check --examples") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {path}: {exc}", hint="pass a UTF-8 JSONL file") from None
    examples, errors = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            question, route = str(record["question"]).strip(), record["route"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            errors.append(f"line {number}: expected {{'question', 'route'}} ({exc})")
            continue
        if route not in ROUTES or not question:
            errors.append(f"line {number}: route must be one of {ROUTES} and question non-empty")
            continue
        examples.append(Example(question, route))
    if errors:
        raise InputError(f"{path}: " + "; ".join(errors[:10]), hint="fix the listed lines")
    missing = set(ROUTES) - {e.route for e in examples}
    if missing:
        raise InputError(
            f"{path} has no examples for {sorted(missing)}", hint="label a few of each route"
        )
    return examples


@dataclass
class ClassifierModel:
    """Embedded examples: what the classifier compares a question against."""

    embed_model: str
    examples_sha: str
    vectors: np.ndarray
    labels: list[Route]
    questions: list[str]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(
            tmp,
            vectors=self.vectors,
            meta=np.array(
                json.dumps(
                    {
                        "embed_model": self.embed_model,
                        "examples_sha": self.examples_sha,
                        "labels": self.labels,
                        "questions": self.questions,
                    }
                )
            ),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> ClassifierModel:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            return cls(
                meta["embed_model"],
                meta["examples_sha"],
                data["vectors"],
                meta["labels"],
                meta["questions"],
            )


def examples_sha(examples: Sequence[Example]) -> str:
    blob = "\n".join(f"{e.route}\t{e.question}" for e in examples)
    return hashlib.sha256(blob.encode()).hexdigest()


def fit(embedder: Embedder, examples: Sequence[Example]) -> ClassifierModel:
    """Embed the examples (the whole of "training" a nearest-neighbour classifier)."""
    vectors = embedder.embed([e.question for e in examples])
    return ClassifierModel(
        embedder.name,
        examples_sha(examples),
        np.asarray(vectors, dtype=np.float32),
        [e.route for e in examples],
        [e.question for e in examples],
    )


def shares(
    model: ClassifierModel, vector: np.ndarray, exclude: int | None = None
) -> dict[Route, float]:
    """Each route's softmax share of the nearest examples' summed similarity."""
    sims = model.vectors @ vector
    if exclude is not None:
        sims = sims.copy()
        sims[exclude] = -np.inf
    nearest = np.argsort(-sims)[:NEIGHBOURS]
    totals = {route: 0.0 for route in ROUTES}
    for i in nearest:
        totals[model.labels[i]] += float(sims[i])
    scores = np.array([totals[r] for r in ROUTES]) / TEMPERATURE
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    return {route: float(p) for route, p in zip(ROUTES, probs, strict=True)}


def vote(
    model: ClassifierModel, vector: np.ndarray, exclude: int | None = None
) -> tuple[Route, float]:
    """The route the nearest examples vote for and its share of the vote."""
    found = shares(model, vector, exclude)
    best = max(found, key=lambda r: found[r])
    return best, found[best]


def leave_one_out_accuracy(model: ClassifierModel) -> float:
    """Accuracy of each example classified by all the others."""
    hits = sum(
        vote(model, model.vectors[i], exclude=i)[0] == label for i, label in enumerate(model.labels)
    )
    return hits / len(model.labels)


class ClassifierRouter:
    """Rules first, then the nearest-neighbour vote."""

    def __init__(self, embedder: Embedder, model: ClassifierModel) -> None:
        self.embedder = embedder
        self.model = model

    def route(self, question: str) -> RouteDecision:
        ruled = rule_route(question)
        if ruled is not None:
            return ruled
        found = shares(self.model, self.embedder.embed([question])[0])
        if not _WRITE_TASK.search(question):
            # "both" is the policy's route for writing tasks; a question that asks for no
            # deliverable goes to the better of the other routes.
            found.pop("both")
        route = max(found, key=lambda r: found[r])
        confidence = found[route] / sum(found.values())
        return RouteDecision(route, _REASONS[route], confidence, "classifier")


_LLM_PROMPT = """Classify the question for a company assistant. Answer with one word:
rag - needs facts from company documents (policies, manuals, numbers, dates);
adapter - needs company vocabulary, house style or a standard procedure, no lookup;
both - a writing task (reply, ticket, summary) that must quote company documents;
none - unrelated to the company.
Question: {question}
Answer:"""


class LlmRouter:
    """Asks the generator for a route (temperature 0); unparseable replies fall back."""

    def __init__(self, generator: Generator, fallback: Router) -> None:
        self.generator = generator
        self.fallback = fallback

    def route(self, question: str) -> RouteDecision:
        reply = self.generator.generate(
            _LLM_PROMPT.format(question=question),
            GenerationParams(max_new_tokens=4, temperature=0.0),
        )
        word = re.match(r"\W*(rag|adapter|both|none)\b", reply.text.strip().lower())
        if word is None:
            decided = self.fallback.route(question)
            return RouteDecision(
                decided.route,
                f"{decided.reason} (the LLM router's reply did not parse)",
                decided.confidence,
                decided.by,
            )
        route: Route = word.group(1)  # type: ignore[assignment]
        return RouteDecision(route, f"the LLM router chose {route}", 0.7, "llm")


def model_path(state_dir: Path) -> Path:
    return state_dir / "router" / "classifier.npz"


def load_classifier(
    embedder: Embedder, examples_file: Path | None, state_dir: Path
) -> ClassifierModel:
    """The trained classifier from the state directory if it matches the embedder and the
    examples; otherwise one fitted now from the examples (and saved for next time)."""
    examples = read_examples(examples_file or BUNDLED_EXAMPLES)
    path = model_path(state_dir)
    sha = examples_sha(examples)
    if path.exists():
        try:
            saved = ClassifierModel.load(path)
        except (OSError, ValueError, KeyError):
            saved = None  # a damaged file is refitted below, not trusted
        if saved is not None and (saved.embed_model, saved.examples_sha) == (embedder.name, sha):
            return saved
    model = fit(embedder, examples)
    try:
        model.save(path)
    except OSError:
        pass  # a read-only state dir only costs refitting next start
    return model


ROUTERS: dict[str, Callable[[Embedder, ClassifierModel, Generator | None], Router]] = {
    "classifier": lambda embedder, model, generator: ClassifierRouter(embedder, model),
    "llm": lambda embedder, model, generator: LlmRouter(
        _need(generator), ClassifierRouter(embedder, model)
    ),
}


def _need(generator: Generator | None) -> Generator:
    if generator is None:
        raise ConfigError("router=llm needs a generator", hint="set RAGTUNE_ROUTER=classifier")
    return generator


def build_router(
    name: str, embedder: Embedder, model: ClassifierModel, generator: Generator | None
) -> Router:
    """The router called ``name`` (the ``router`` setting)."""
    factory = choose(ROUTERS, name, what="router", setting="RAGTUNE_ROUTER")
    return factory(embedder, model, generator)
