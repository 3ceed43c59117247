"""Service fixtures: one database with the sample corpus for the whole package, API keys for
users with and without the hr group, the app in-process, and a real uvicorn server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from indexes.database import Database
from indexes.embeddings import Embedder
from indexes.ingest import IngestOptions, ingest
from ragtune.principal import Principal
from ragtune.settings import Settings
from service.app import create_app
from service.http_protocol import HeaderTimedH11Protocol
from service.keys import create_key
from tests.conftest import SAMPLE_CORPUS, fresh_database_url, opened
from tests.support.standin_agent import StandInAgent

# Text that only the hr documents contain (samples/corpus/FACTS.md F35-F37).
HR_MARKERS = ("131,000", "8 November 2024", "Performance Improvement Plan")


@dataclass(frozen=True)
class Keys:
    """Bearer tokens: alice (no groups), harriet (hr), root (admin, no groups)."""

    alice: str
    harriet: str
    root: str


@pytest.fixture(scope="package")
def service_db(server_url: str, embedder: Embedder) -> Iterator[Database]:
    """Part of the sample corpus in one database for all service tests: the public FAQ and
    manuals (the questions these tests ask) and every restricted document (hr, finance)."""
    with fresh_database_url(server_url) as url, opened(url) as database:
        for folder, groups in (
            ("public/faq", None),
            ("public/manuals", None),
            ("restricted/hr", "hr"),
            ("restricted/finance", "finance"),
        ):
            options = IngestOptions(
                progress=False, groups=frozenset({groups}) if groups else frozenset({"everyone"})
            )
            report = ingest(database, embedder, [SAMPLE_CORPUS / folder], options)
            assert not report.failed, report.failed
        yield database


@pytest.fixture(scope="package")
def keys(service_db: Database) -> Keys:
    return Keys(
        alice=create_key(service_db, Principal("alice")).token,
        harriet=create_key(service_db, Principal("harriet", frozenset({"hr"}))).token,
        root=create_key(service_db, Principal("root"), admin=True).token,
    )


@pytest.fixture(scope="package")
def hr_chunk_ids(service_db: Database) -> set[str]:
    """Ids of every chunk of the hr documents (read as admin, for assertions only)."""
    with service_db.administering() as conn:
        rows = conn.execute(
            "SELECT id::text FROM chunks WHERE 'hr' = ANY(allowed_groups)"
        ).fetchall()
    assert rows
    return {r[0] for r in rows}


def service_settings(state_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "state_dir": state_dir,
        "service_chat": False,
        "service_rate_per_minute": 0,
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def build_app(
    db: Database,
    embedder: Embedder,
    state_dir: Path,
    *,
    token_delay_s: float = 0.0,
    **overrides: object,
) -> tuple[FastAPI, StandInAgent]:
    agent = StandInAgent(db, embedder, token_delay_s=token_delay_s)
    app = create_app(
        service_settings(state_dir, **overrides),
        db=db,
        agent=agent,
        embedder_loader=lambda: embedder,
        chat=False,
    )
    return app, agent


@pytest.fixture(scope="module")
def service_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-state")


@pytest.fixture(scope="module")
def client(
    service_db: Database, embedder: Embedder, service_state_dir: Path
) -> Iterator[TestClient]:
    """The app in-process (lifespan run), with the stand-in agent."""
    app, _ = build_app(service_db, embedder, service_state_dir)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on a loopback port, in a thread, with the HTTP protocol
    ``ragtune serve`` runs (``http``: a variant of it)."""

    def __init__(self, app: FastAPI, http: type[asyncio.Protocol] = HeaderTimedH11Protocol) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            http=http,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="package")
def real_agent(
    service_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[object]:
    """The real agent (agent/runtime.py) on the sample corpus; extractive answers only, so
    no language model is loaded and answers take well under a second."""
    from agent.runtime import build_agent

    settings = service_settings(tmp_path_factory.mktemp("agent-state"), agent_generate=False)
    agent = build_agent(settings, db=service_db, embedder=embedder)
    yield agent
    agent.close()


def build_real_app(
    db: Database, agent: object, embedder: Embedder, state_dir: Path, **overrides: object
) -> FastAPI:
    return create_app(
        service_settings(state_dir, agent_generate=False, **overrides),
        db=db,
        agent=agent,  # type: ignore[arg-type]
        embedder_loader=lambda: embedder,
        chat=False,
    )


@pytest.fixture(scope="module")
def real_client(
    service_db: Database, real_agent: object, embedder: Embedder, service_state_dir: Path
) -> Iterator[TestClient]:
    """The app in-process with the real agent."""
    app = build_real_app(service_db, real_agent, embedder, service_state_dir)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
