"""Where a suite's answers come from: recorded answers, a running service, or the agent in-process.

Every target turns one suite item into an ``Attempt``: the ask JSON (``AskResponse``) or the
reason there is none. A target never raises for one item's failure (a service that is down,
a timeout, an agent error): the attempt carries the error and the run is marked partial, so one
bad item cannot hide the results of the others. ``collect`` runs a target over a suite with a
thread pool and keeps suite order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import ValidationError

from evals.answers import AskResponse
from evals.suites import SuiteItem
from ragtune.errors import ConfigError, RagtuneError

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


class Target(Protocol):
    """Produces one attempt per suite item; ``describe`` names it in the run's configuration."""

    @property
    def describe(self) -> str: ...

    def ask(self, item: SuiteItem) -> Attempt: ...

    def close(self) -> None: ...


class RecordedTarget:
    """Recorded answers keyed by item id; an item without one is ``missing``."""

    def __init__(self, answers: Mapping[str, AskResponse], source: str) -> None:
        self.answers = answers
        self.source = source

    @property
    def describe(self) -> str:
        return f"answers:{self.source}"

    def ask(self, item: SuiteItem) -> Attempt:
        found = self.answers.get(item.id)
        if found is None:
            return Attempt(item.id, "missing", error="no recorded answer for this item")
        return Attempt(item.id, "ok", response=found)

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
        return Attempt(item.id, "ok", response=parsed, wall_ms=wall_ms)

    def close(self) -> None:
        self._client.close()


class InprocTarget:
    """The agent in this process (``agent.runtime.build_agent``), asked as each item's principal."""

    def __init__(self, settings: Settings) -> None:
        try:
            # Imported here: evals -> agent is allowed, but the agent (and its models) are
            # only needed for this target, and agent.runtime may not exist in every checkout.
            from agent.runtime import build_agent
        except ImportError as exc:
            raise ConfigError(
                f"The in-process agent is not available ({exc})",
                hint="score recorded answers with --answers FILE, or a service with --target URL",
            ) from exc
        self._agent = build_agent(settings)

    @property
    def describe(self) -> str:
        return "inproc"

    def ask(self, item: SuiteItem) -> Attempt:
        from indexes.principal import Principal

        started = time.perf_counter()
        try:
            principal = Principal(item.user, frozenset(item.groups))
            answer = self._agent.ask(item.question, principal, thread_id=None, route="auto")
            response = AskResponse.model_validate(answer.to_json())
        except RagtuneError as exc:
            return Attempt(item.id, "error", error=str(exc))
        except Exception as exc:
            # One item's crash must not end the run: it is recorded (the run becomes partial)
            # and logged with its traceback.
            log.warning("agent failed on item %s", item.id, exc_info=True)
            return Attempt(item.id, "error", error=f"{type(exc).__name__}: {exc}")
        wall_ms = (time.perf_counter() - started) * 1000
        return Attempt(
            item.id,
            "ok",
            response=response,
            wall_ms=wall_ms,
            adapter=getattr(answer, "adapter", None),
        )

    def close(self) -> None:
        self._agent.close()


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
