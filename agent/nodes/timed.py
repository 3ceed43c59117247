"""The wrapper every node runs in: stop a cancelled run, and time the node into ``timings_ms``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from agent.context import RunContext
from agent.state import AgentState

Node = Callable[[AgentState, Runtime[RunContext]], dict[str, Any]]


def timed(name: str) -> Callable[[Node], Node]:
    """Decorate a node: check for cancellation first, then add its milliseconds as ``name``."""

    def wrap(node: Node) -> Node:
        def run(state: AgentState, runtime: Runtime[RunContext]) -> dict[str, Any]:
            runtime.context.check()
            started = time.perf_counter()
            update = node(state, runtime)
            elapsed = (time.perf_counter() - started) * 1000
            update["timings_ms"] = {**update.get("timings_ms", {}), name: elapsed}
            return update

        run.__name__ = name
        run.__doc__ = node.__doc__
        return run

    return wrap
