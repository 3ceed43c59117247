"""What the agent returns: an ``Answer`` (the Python API), the events of a streamed answer, and
the conversion to the answer contract (ragtune/answer_contract.py) that ``ragtune ask --json``,
the HTTP service and the eval runner share.

``Answer.to_response()`` is the exact public shape; fields beyond it (route confidence,
per-sentence verification) are kept on the object for the service and the reports, not added to
the JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ragtune.answer_contract import AskResponse, CitationOut, PinsOut, Route, VerificationOut

ROUTES: tuple[Route, ...] = ("rag", "adapter", "both", "none")
RouteChoice = Literal["auto", "rag", "adapter", "both"]
ROUTE_CHOICES: tuple[RouteChoice, ...] = ("auto", "rag", "adapter", "both")

EventType = Literal["route", "retrieval", "token", "citation", "done", "error"]


@dataclass(frozen=True)
class Citation:
    """A numbered source the answer cites: ``quote`` is the retrieved passage text as the
    agent read it (instructions blanked, markup as plain text, spaces tidied)."""

    n: int
    source: str
    section: str
    page: int | None
    chunk_id: str
    quote: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_response(self) -> CitationOut:
        return CitationOut(**self.to_json())


@dataclass(frozen=True)
class SentenceVerdict:
    """One answer sentence as the verify step judged it against the sources it cites."""

    text: str
    supported: bool
    score: float
    cited: tuple[int, ...]
    evidence: str


@dataclass
class Verification:
    """Counts of the final answer's sentences that the entailment judge found supported."""

    supported_sentences: int = 0
    total_sentences: int = 0
    sentences: list[SentenceVerdict] = field(default_factory=list)
    repaired: str | None = None  # "retry", "extractive" or None
    # The answerability check (evals/judges/answerability.py AnswerCheck.to_json()); None
    # when the route returned no document text.
    answerability: dict[str, Any] | None = None

    def to_response(self) -> VerificationOut:
        check = self.answerability
        return VerificationOut(
            supported_sentences=self.supported_sentences,
            total_sentences=self.total_sentences,
            answers_question=None if check is None else bool(check.get("answers")),
            missing=[] if check is None else list(check.get("missing", [])),
        )

    def to_json(self) -> dict[str, Any]:
        return self.to_response().model_dump()


def caveat(answer: AskResponse) -> str:
    """The note a reader sees under an answer whose cited passages miss what was asked ("" for
    any other answer): with ``agent_answerability=report`` an answer whose passages lack a
    detail of the question is still given (one whose passages hold none of it is not), and
    the CLI and the chat say what it lacks rather than let a cited answer to a neighbouring
    question pass for the asked one. An abstention says it already."""
    check = answer.verification
    if answer.abstained or check.answers_question is not False:
        return ""
    if not check.missing:
        return "Note: the cited passages may not hold what was asked."
    lacking = ", ".join(f'"{m}"' for m in check.missing)
    return f"Note: the cited passages do not mention {lacking}; this may not answer your question."


@dataclass
class Answer:
    """A finished answer (or an abstention that says what is missing)."""

    answer: str
    route: Route
    route_reason: str
    abstained: bool
    citations: list[Citation]
    verification: Verification
    thread_id: str
    timings_ms: dict[str, float]
    route_confidence: float = 1.0
    adapter: str | None = None
    pins: PinsOut | None = None

    def to_response(self) -> AskResponse:
        """The answer contract: what ``ragtune ask --json`` prints and ``POST /v1/ask`` returns."""
        return AskResponse(
            answer=self.answer,
            route=self.route,
            route_reason=self.route_reason,
            abstained=self.abstained,
            citations=[c.to_response() for c in self.citations],
            verification=self.verification.to_response(),
            thread_id=self.thread_id,
            timings_ms={k: round(v, 2) for k, v in self.timings_ms.items()},
            pins=self.pins,
        )

    def to_json(self) -> dict[str, Any]:
        """``to_response()`` as plain JSON values (the ``done`` event's data)."""
        return self.to_response().model_dump()


@dataclass(frozen=True)
class AgentEvent:
    """One event of a streamed answer.

    ``route``: {"route", "reason", "confidence"}; ``retrieval``: {"results": n}; ``token``:
    {"text"}; ``citation``: a Citation's JSON; ``done``: the Answer's JSON; ``error``:
    {"message", "hint", "status", "type"} (the ragtune error's HTTP status and class name).
    ``done`` or ``error`` is always the last event.
    """

    type: EventType
    data: dict[str, Any]
