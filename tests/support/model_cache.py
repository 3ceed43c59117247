"""The bundled SmolLM2 converted once per test process, shared by every test directory.

Converting the GGUF takes ~30 s on 2 cores; the CLI tests in tests/agent/ and the runtime
tests here read the same converted state directory instead of converting twice.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from generation.base_models import DEFAULT_MODEL, MODELS, cache_dir, ensure_converted
from ragtune.resources import quiet_libraries


@lru_cache(maxsize=1)
def converted_state_dir() -> Path:
    """A state directory holding the converted default model (removed at process exit)."""
    quiet_libraries()
    state = Path(tempfile.mkdtemp(prefix="ragtune-test-models-"))
    atexit.register(shutil.rmtree, state, ignore_errors=True)
    ensure_converted(MODELS[DEFAULT_MODEL], state)
    return state


def conversion_marker() -> dict[str, object]:
    """What the conversion recorded (source fingerprint, logit difference)."""
    folder = cache_dir(converted_state_dir(), DEFAULT_MODEL)
    return dict(json.loads((folder / "ragtune-conversion.json").read_text()))
