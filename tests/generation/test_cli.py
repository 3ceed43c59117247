"""``ragtune generate`` run as a user runs it: a real process, the real bundled model, and the
remote backend against the local OpenAI-compatible test server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generation import adapter_registry as registry
from indexes.database import Database
from tests.support.model_cache import converted_state_dir
from tests.support.openai_server import Script, serve

CONTRACT = [
    "text",
    "model",
    "adapter",
    "prompt_tokens",
    "completion_tokens",
    "ttft_ms",
    "tokens_per_s",
]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ragtune.cli", "generate", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return {**os.environ, "RAGTUNE_STATE_DIR": str(converted_state_dir()), "HF_HUB_OFFLINE": "1"}


def test_generate_json_is_the_contract(env: dict[str, str]) -> None:
    done = _run(["What is the capital of France?", "--json", "--max-new-tokens", "12"], env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == CONTRACT
    assert "Paris" in data["text"] and data["model"] == "smollm2-135m" and data["adapter"] is None
    assert data["prompt_tokens"] > 0 and 0 < data["completion_tokens"] <= 12
    assert data["ttft_ms"] > 0 and data["tokens_per_s"] > 0


def test_generate_streams_text_and_summarises_on_stderr(env: dict[str, str]) -> None:
    done = _run(["Say hello.", "--stream", "--max-new-tokens", "6"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "model smollm2-135m, adapter -" in done.stderr and "tokens/s" in done.stderr


@pytest.mark.slow
def test_generate_4bit(env: dict[str, str]) -> None:
    done = _run(
        ["What is the capital of France?", "--4bit", "--json", "--max-new-tokens", "6"], env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["completion_tokens"] > 0


def test_unknown_adapter_exits_with_a_hint(env: dict[str, str], tmp_path: Path) -> None:
    done = _run(["hi", "--adapter", "nope"], {**env, "RAGTUNE_ADAPTERS_DIR": str(tmp_path)})
    assert done.returncode == 4
    assert "Adapter 'nope' not found" in done.stderr and "RAGTUNE_ADAPTERS_DIR" in done.stderr


def test_generate_json_through_an_openai_compatible_server() -> None:
    script = Script(replies={"phi-3-mini-4k": "base reply", "support-style": "styled reply"})
    with serve(script) as url:
        env = {
            **os.environ,
            "RAGTUNE_GENERATOR_BACKEND": "openai",
            "RAGTUNE_OPENAI_BASE_URL": url,
            "RAGTUNE_OPENAI_API_KEY": "sk-cli-secret",
            "RAGTUNE_MODEL": "phi-3-mini-4k",
        }
        done = _run(["SLA?", "--adapter", "support-style", "--json"], env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == CONTRACT
    assert data["text"] == "styled reply" and data["adapter"] == "support-style"
    assert data["model"] == "phi-3-mini-4k" and data["completion_tokens"] == 2
    assert script.requests[-1]["model"] == "support-style"
    assert "sk-cli-secret" not in done.stdout + done.stderr


def test_generate_for_a_user_refuses_an_adapter_outside_their_groups(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    # The registry, not the folder, says who may use an adapter: one trained on hr-only pairs
    # is refused to a support user and served to an hr user, as the agent and the API do.
    manifest = {"name": "hr-terms", "base_model": "phi-3-mini-4k", "method": "qlora"}
    registry.register(db, tmp_path / "hr-terms", manifest | {"allowed_groups": ["hr"]})
    script = Script(replies={"hr-terms": "hr reply"})
    with serve(script) as url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RAGTUNE_STATE_DIR": str(tmp_path / "state"),
            "RAGTUNE_GENERATOR_BACKEND": "openai",
            "RAGTUNE_OPENAI_BASE_URL": url,
            "RAGTUNE_MODEL": "phi-3-mini-4k",
        }
        args = ["pay bands?", "--adapter", "hr-terms", "--user", "sam"]
        refused = _run([*args, "--groups", "support"], env)
        served = _run([*args, "--groups", "hr", "--json"], env)
    assert refused.returncode == 5, refused.stderr
    assert "restricted to hr" in refused.stderr and "sam is in none" in refused.stderr
    assert refused.stdout == ""
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout)["text"] == "hr reply"
    assert [r["model"] for r in script.requests] == ["hr-terms"]
