"""Picking an implementation by its configured name (embedder, generator backend, judge, router)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from ragtune.errors import ConfigError, RagtuneError

T = TypeVar("T")


def choose(
    registry: Mapping[str, T],
    name: str,
    *,
    what: str,
    setting: str,
    error: type[RagtuneError] = ConfigError,
) -> T:
    """The entry called ``name``; ``error`` naming ``what`` and every choice when unknown.

    ``setting`` is how the user picks it (e.g. "RAGTUNE_ROUTER"), named in the hint.
    """
    try:
        return registry[name]
    except KeyError:
        raise error(
            f"Unknown {what} {name!r}",
            hint=f"set {setting} to one of {', '.join(sorted(registry))}",
        ) from None
