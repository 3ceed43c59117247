"""Run a suite: ask a target every question, score the answers, and build the run record.

``build_target`` picks where answers come from (``--answers FILE``, ``--target URL`` or the
agent in-process); ``run_suite`` collects the attempts concurrently, scores them one by one
(the judge is not assumed thread-safe) and aggregates the metrics. A run is ``partial`` when
any item has no scored answer: missing from the answers file, a service error or timeout, an
agent error. Partial runs are listed with every missing item and never reported as complete.
"""

from __future__ import annotations

import datetime as _dt
import re
import secrets
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from evals.judges.protocol import Judge
from evals.metrics import abstention_scores, route_accuracy
from evals.runs.config import describe_judge
from evals.runs.record import RunRecord
from evals.runs.scoring import score_attempts
from evals.runs.summary import RETRIEVAL_KS, aggregate
from evals.suites import Suite
from evals.targets import Attempt, HttpTarget, RecordedTarget, Target, TargetFactory, collect
from indexes.embeddings import Embedder
from ragtune.errors import ConfigError, InputError

if TYPE_CHECKING:
    from ragtune.settings import Settings


def new_run_id(suite: str, when: _dt.datetime) -> str:
    """``<UTC time>-<suite>-<6 hex>``: sortable by time, readable, unique."""
    slug = re.sub(r"[^a-z0-9]+", "-", suite.lower()).strip("-")[:40] or "suite"
    return f"{when.astimezone(_dt.UTC):%Y%m%dT%H%M%SZ}-{slug}-{secrets.token_hex(3)}"


def build_target(
    target: str,
    answers: Path | None,
    settings: Settings,
    inproc: TargetFactory | None = None,
) -> Target:
    """Recorded answers when ``answers`` is given; else ``inproc`` or a service URL.

    ``inproc`` builds the in-process agent; only the composition root (ragtune/cli.py) has one
    to give, since evals does not import agent/.
    """
    if answers is not None:
        from evals.answers import load_answers

        return RecordedTarget(load_answers(answers), str(answers))
    if target == "inproc":
        if inproc is None:
            raise ConfigError(
                "The in-process agent is not available here",
                hint="score recorded answers with --answers FILE, or a service with --target URL",
            )
        return inproc(settings)
    if re.match(r"^https?://[^\s/]+", target):
        return HttpTarget(
            target,
            default_key=settings.eval_api_key.get_secret_value() if settings.eval_api_key else None,
            keys={u: k.get_secret_value() for u, k in settings.eval_api_keys.items()},
            timeout_s=settings.eval_timeout_s,
        )
    raise InputError(
        f"Unknown target {target!r}",
        hint="use --target inproc, --target http://host:port, or --answers FILE",
    )


def run_suite(
    suite: Suite,
    target: Target,
    judge: Judge,
    embedder: Embedder | None,
    *,
    config: dict[str, Any],
    concurrency: int = 1,
    progress: bool = False,
) -> RunRecord:
    """Ask, score and aggregate; ``config`` is recorded as given, plus the judge and target."""
    started = _dt.datetime.now(_dt.UTC)
    clock = time.perf_counter()
    with tqdm(
        total=len(suite.items), desc="asking", unit="item", disable=not progress, file=sys.stderr
    ) as bar:

        def asked(_: Attempt) -> None:
            bar.update(1)

        attempts = collect(target, suite.items, concurrency=concurrency, on_done=asked)
    with tqdm(
        total=len(suite.items), desc="scoring", unit="item", disable=not progress, file=sys.stderr
    ) as bar:
        items = score_attempts(
            suite.items, attempts, judge, embedder, on_item=lambda _: bar.update(1)
        )
    problems = [f"{i.id}: {i.status}: {i.error}" for i in items if i.status != "ok"]
    routes = route_accuracy([(i.expected_route, i.route) for i in items if i.status == "ok"])
    abstention = abstention_scores([i.abstention for i in items])
    finished = _dt.datetime.now(_dt.UTC)
    name = suite.name.removesuffix(".jsonl")
    return RunRecord(
        run_id=new_run_id(name, started),
        suite=name,
        status="partial" if problems else "complete",
        started_at=started.isoformat(),
        finished_at=finished.isoformat(),
        seconds=round(time.perf_counter() - clock, 3),
        config={
            **config,
            "target": target.describe,
            "retrieval": {"recall_at_k": list(RETRIEVAL_KS), **target.retrieval},
            "judge": describe_judge(judge),
            "concurrency": concurrency,
        },
        metrics=aggregate(items),
        route_confusion=routes.confusion,
        abstention_counts=abstention.counts,
        problems=problems,
        items=items,
    )
