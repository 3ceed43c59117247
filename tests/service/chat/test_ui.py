"""The chat frontend in a real browser: Playwright driving Debian's chromium against
``ragtune serve`` in a subprocess (Chainlit is configured once per process).

Sign in with an API key, ask, watch the answer stream in with its route, open a citation,
rate the answer with a comment, resume the conversation from the sidebar, start a new chat;
a key without hr never sees hr text; nothing is fetched from outside the machine.
Screenshots go to test-artifacts/chat_ui/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from indexes.database import Database
from indexes.feedback import list_feedback
from ragtune.principal import Principal
from service.keys import create_key
from tests.conftest import REPO
from tests.service.conftest import HR_MARKERS, free_port

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "chat_ui"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (no browser download)."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            pytest.skip("chromium is missing and cannot be installed (needs root and apt-get)")
        done = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(f"apt-get install chromium failed: {done.stderr.strip()[-300:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def chat_server(service_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ragtune serve`` on a loopback port, on the sample corpus, extractive answers."""
    port = free_port()
    state = tmp_path_factory.mktemp("chat-state")
    env = {
        **os.environ,
        "DATABASE_URL": service_db.admin.conninfo,
        "RAGTUNE_STATE_DIR": str(state),
        "RAGTUNE_AGENT_GENERATE": "false",
        "RAGTUNE_LOG_LEVEL": "INFO",
    }
    env.pop("CHAINLIT_AUTH_SECRET", None)
    log = (state / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ragtune.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if proc.poll() is not None:
                raise RuntimeError((state / "serve.log").read_text()[-3000:])
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ragtune serve did not become ready")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _sign_in(page: Any, url: str, user: str, key: str) -> None:
    page.goto(url + "/chat/")
    page.fill("#email", user)
    page.fill("#password", key)
    page.click("button[type=submit]")


def _ask(page: Any, question: str) -> Any:
    """Send a question and wait for the answer; returns the last assistant message."""
    before = page.locator("[data-step-type=assistant_message]").count()
    box = page.locator("#chat-input")
    box.click()
    box.fill(question)
    page.locator("#chat-submit").click()
    page.wait_for_function(
        "n => document.querySelectorAll('[data-step-type=assistant_message]').length > n",
        arg=before,
        timeout=60_000,
    )
    message = page.locator("[data-step-type=assistant_message]").last
    # The answer is complete when its thumbs (feedback) buttons appear.
    message.locator("button:has(svg.lucide-thumbs-down)").wait_for(timeout=60_000)
    return message


def test_chat_sign_in_ask_cite_rate_resume(
    chromium: Path, chat_server: str, service_db: Database
) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    alice = create_key(service_db, Principal("alice-chat")).token
    outside: list[str] = []
    streamed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:", "ws://127.0.0.1"))
                else None
            ),
        )
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda f: streamed.append("token") if "stream_token" in str(f) else None,
            ),
        )
        try:
            # A wrong key is refused on the sign-in page.
            _sign_in(page, chat_server, "alice-chat", "rt_wrong-key")
            page.wait_for_timeout(1000)
            assert page.locator("#chat-input").count() == 0
            page.screenshot(path=str(ARTIFACTS / "01-refused.png"))

            _sign_in(page, chat_server, "alice-chat", alice)
            page.locator("#chat-input").wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "02-signed-in.png"))

            answer = _ask(page, "What does error code E-214 mean on a Stacker?")
            text = answer.inner_text()
            assert "Route: documents" in text, text
            assert streamed, "no stream_token frames: the answer was not streamed"
            links = answer.locator("a.element-link")
            assert links.count() >= 1 and re.fullmatch(r"\[\d+\]", links.first.inner_text())
            page.screenshot(path=str(ARTIFACTS / "03-answer.png"))

            links.first.click()
            panel = page.locator("#side-view-content, aside, [role=complementary]").last
            page.wait_for_timeout(500)
            page.get_by_text("support-faq.jsonl").first.wait_for(timeout=15_000)
            assert "E-214" in panel.inner_text() or "E-214" in page.inner_text("body")
            page.screenshot(path=str(ARTIFACTS / "04-citation.png"))

            answer.locator("button:has(svg.lucide-thumbs-down)").click()
            page.get_by_placeholder("Your feedback...").fill("cites the FAQ, not the manual")
            page.get_by_role("button", name="Submit feedback").click()
            deadline = time.monotonic() + 15
            rated = []
            while time.monotonic() < deadline and not rated:
                rated = [f for f in list_feedback(service_db) if f.user == "alice-chat"]
                time.sleep(0.2)
            assert rated and rated[0].rating == "down" and rated[0].source == "chat"
            assert rated[0].comment == "cites the FAQ, not the manual"
            page.screenshot(path=str(ARTIFACTS / "05-feedback.png"))

            # Permissions: an hr question from a key without hr shows no hr text.
            page.locator("#new-chat-button").click()
            page.wait_for_timeout(500)
            hr = _ask(page, "What is the midpoint of the L4 salary band?")
            assert not any(m in page.inner_text("body") for m in HR_MARKERS), hr.inner_text()
            page.screenshot(path=str(ARTIFACTS / "06-no-hr.png"))

            # The first conversation is in the sidebar and resumes with its citations.
            page.reload()
            page.locator("#chat-input").wait_for(timeout=30_000)
            page.get_by_text("What does error code E-214 mean", exact=False).first.click()
            resumed = page.locator("[data-step-type=assistant_message]").first
            resumed.wait_for(timeout=30_000)
            resumed.locator("a.element-link").first.click()
            page.get_by_text("support-faq.jsonl").first.wait_for(timeout=15_000)
            page.screenshot(path=str(ARTIFACTS / "07-resumed.png"))

            # The API docs render from local files too.
            page.goto(chat_server + "/docs")
            page.locator(".swagger-ui .info").wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "08-api-docs.png"))
        finally:
            page.screenshot(path=str(ARTIFACTS / "99-last.png"))
            browser.close()
    assert outside == [], f"requests left the machine: {outside}"
