"""Hot swap: a running service notices a newly active or replaced adapter without a restart.

Which adapter answers is read from the registry by the agent's route step on every request, and
a newly registered adapter is loaded from its folder on first use, so an activation (``adapters
promote``) reaches the next answer by itself. What a process can hold stale is an adapter it
already loaded whose folder was replaced under the same name (``train --force``), or one that
was removed. Before each answer the service compares the registry's version (one small query,
``registry_version``) with the one it saw last; when it changed, loaded adapters whose weights
changed or that are no longer registered are unloaded, and the globally active adapter is
loaded ahead of the next request that needs it.

In-flight answers finish on the adapter they started with: the route step fixed its name, a
different name is never unloaded while registered, and an unload waits for the model lock that
a generating answer holds.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

from generation import adapter_registry as registry
from generation.adapters import WEIGHTS
from indexes.database import Database

log = logging.getLogger("ragtune.service")


def _weights_sha(folder: Path) -> str | None:
    path = folder / WEIGHTS
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


class AdapterWatch:
    """The registry version this process last acted on, and the weights it loaded."""

    def __init__(self) -> None:
        self.version: str | None = None
        self.seen: dict[str, str | None] = {}  # adapter name -> weights sha256 when loaded
        self._lock = threading.Lock()

    def refresh(self, db: Database, generator: Any | None) -> bool:
        """Act on a registry change since the last call; True when there was one."""
        version = registry.registry_version(db)
        with self._lock:
            if version == self.version:
                return False
            self.version = version
            adapters = getattr(generator, "adapters", None)
            if adapters is None:  # no local model loaded yet (or a remote backend)
                return True
            registered = {a.name: a for a in registry.list_adapters(db)}
            for name in list(adapters.names):
                now = registered.get(name)
                sha = _weights_sha(now.path) if now is not None else None
                if now is None or (name in self.seen and self.seen[name] != sha):
                    adapters.unload(name)  # waits for an answer generating with it
                    self.seen.pop(name, None)
                    log.info("unloaded adapter %s: replaced or removed in the registry", name)
                else:
                    self.seen.setdefault(name, sha)
            active = [a for a in registered.values() if registry.GLOBAL in a.active_scopes]
            for adapter in active:
                if adapter.name not in adapters.names:
                    adapters.load(adapter.name, adapter.path)
                    self.seen[adapter.name] = _weights_sha(adapter.path)
                    log.info("loaded newly active adapter %s", adapter.name)
            return True


def loaded_generator(agent: Any) -> Any | None:
    """The agent's generator if it is already loaded (never loads one)."""
    return getattr(agent, "_generator", None)
