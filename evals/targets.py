"""Where a suite's answers come from: recorded answers or a running service; the agent
in-process is a target the composition root hands in (agent/eval_target.py).

Every target turns one suite item into an ``Attempt``: the ask JSON (``AskResponse``) or the
reason there is none, and, where the target can tell, the ranked search results for the
question (retrieval recall@k and MRR score them). A target never raises for one item's failure
(a service that is down, a timeout, an agent error): the attempt carries the error and the run
is marked partial, so one bad item cannot hide the results of the others. ``collect`` runs a
target over a suite with a thread pool and keeps suite order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import ValidationError

from evals.answers import AskResponse, RecordedAnswer
from evals.metrics import SourceRef
from evals.suites import SuiteItem

if TYPE_CHECKING:
    import httpx

    from ragtune.settings import Settings

log = logging.getLogger(__name__)

AttemptStatus = Literal["ok", "missing", "error"]


@dataclass(frozen=True)
class Attempt:
    """What a target produced for one item; ``response`` is None unless ``status`` is ok."""

    item_id: str
    status: AttemptStatus
    response: AskResponse | None = None
    error: str | None = None
    wall_ms: float | None = None  # measured around the call (None for recorded answers)
    adapter: str | None = None  # the adapter the agent used, when the target can tell
    # The ranked search results for the question, best first; None when the target has none,
    # with the reason in ``retrieval_note``.
    retrieved: tuple[SourceRef, ...] | None = None
    retrieval_note: str | None = None


class Target(Protocol):
    """Produces one attempt per suite item; ``describe`` names it in the run's configuration,
    ``retrieval`` says where its ranked search results come from (or why there are none)."""

    @property
    def describe(self) -> str: ...

    @property
    def retrieval(self) -> dict[str, Any]: ...

    def ask(self, item: SuiteItem) -> Attempt: ...

    def close(self) -> None: ...


NO_RECORDED_RETRIEVAL = "the recorded answer has no 'retrieved' list"
NO_SEARCH_ENDPOINT = "the service has no search endpoint: retrieval is not scored for a URL target"


TargetFactory = Callable[["Settings"], Target]
"""Builds a target from the settings: how the composition root hands in the in-process agent."""


class RecordedTarget:
    """Recorded answers keyed by item id; an item without one is ``missing``.

    A ``RecordedAnswer``'s ``retrieved`` list becomes the attempt's ranked retrieval; a plain
    ``AskResponse`` has none.
    """

    def __init__(self, answers: Mapping[str, AskResponse], source: str) -> None:
        self.answers = answers
        self.source = source

    @property
    def describe(self) -> str:
        return f"answers:{self.source}"

    @property
    def retrieval(self) -> dict[str, Any]:
        return {"scored": True, "from": "the 'retrieved' list of each recorded answer"}

    def ask(self, item: SuiteItem) -> Attempt:
        found = self.answers.get(item.id)
        if found is None:
            return Attempt(item.id, "missing", error="no recorded answer for this item")
        listed = found.retrieved if isinstance(found, RecordedAnswer) else None
        if listed is None:
            return Attempt(item.id, "ok", response=found, retrieval_note=NO_RECORDED_RETRIEVAL)
        retrieved = tuple(SourceRef(r.source, r.section or None, r.page) for r in listed)
        return Attempt(item.id, "ok", response=found, retrieved=retrieved)

    def close(self) -> None:
        pass


def _error_detail(response: httpx.Response) -> str:
    """The service's error message (its JSON ``message``/``detail``), else the body's start."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "detail", "error"):
            if body.get(key):
                return str(body[key])[:200]
    return str(body)[:200]


class HttpTarget:
    """A running ragtune service: ``POST {base_url}/v1/ask`` with a bearer key per item.

    The key is ``keys[item.user]`` when the suite user has one, else ``default_key``: the
    service answers as the key's principal, so a suite that asks as several users needs a key
    for each (setting ``eval_api_keys``). httpx's client is thread-safe and shared.
    """

    def __init__(
        self,
        base_url: str,
        *,
        default_key: str | None,
        keys: Mapping[str, str] | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self.default_key = default_key
        self.keys = dict(keys or {})
        self.timeout_s = timeout_s
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s))

    @property
    def describe(self) -> str:
        return self.base_url

    @property
    def retrieval(self) -> dict[str, Any]:
        return {"scored": False, "reason": NO_SEARCH_ENDPOINT}

    def ask(self, item: SuiteItem) -> Attempt:
        import httpx

        key = self.keys.get(item.user, self.default_key)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        body = {"question": item.question, "thread_id": None, "route": "auto"}
        url = f"{self.base_url}/v1/ask"
        started = time.perf_counter()
        try:
            response = self._client.post(url, json=body, headers=headers)
        except httpx.TimeoutException:
            return Attempt(item.id, "error", error=f"timed out after {self.timeout_s:g} s ({url})")
        except httpx.TransportError as exc:
            return Attempt(item.id, "error", error=f"service unreachable at {url}: {exc}")
        wall_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            return Attempt(
                item.id,
                "error",
                error=f"HTTP {response.status_code} from {url}: {_error_detail(response)}",
                wall_ms=wall_ms,
            )
        try:
            parsed = AskResponse.model_validate_json(response.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return Attempt(
                item.id,
                "error",
                error=f"the response is not the ask JSON shape ({where}: {first['msg']})",
                wall_ms=wall_ms,
            )
        return Attempt(
            item.id, "ok", response=parsed, wall_ms=wall_ms, retrieval_note=NO_SEARCH_ENDPOINT
        )

    def close(self) -> None:
        self._client.close()


def collect(
    target: Target,
    items: Sequence[SuiteItem],
    *,
    concurrency: int = 1,
    on_done: Callable[[Attempt], None] | None = None,
) -> list[Attempt]:
    """Ask ``target`` every item, ``concurrency`` at a time; results in suite order."""
    if concurrency <= 1:
        results = []
        for item in items:
            attempt = target.ask(item)
            if on_done:
                on_done(attempt)
            results.append(attempt)
        return results
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eval") as pool:
        futures = {pool.submit(target.ask, item): i for i, item in enumerate(items)}
        slots: list[Attempt | None] = [None] * len(items)
        for future in as_completed(futures):
            attempt = future.result()
            if on_done:
                on_done(attempt)
            slots[futures[future]] = attempt
    return [a for a in slots if a is not None]
