"""Mount the Chainlit chat frontend in the service, fully offline.

Chainlit is configured through files and environment variables read when it is imported, so
everything is prepared first, under ``<state_dir>/chat``: its config (no file uploads, no
telemetry, no LaTeX), a copy of its page without the CDN font and KaTeX links, and the JWT
secret that signs chat sessions (made once, shared by every worker). Chainlit's app is a
process-wide singleton: it can be mounted once per process.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from importlib import metadata
from pathlib import Path

from fastapi import FastAPI

from ragtune.errors import ConfigError
from service.state import ServiceState

log = logging.getLogger("ragtune.service")

_STATE: ServiceState | None = None
_PATH = ""
# External stylesheets and preconnects in Chainlit's page (Google Fonts, KaTeX on jsDelivr).
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*href=\"https?://[^\"]*\"[^>]*/?>\s*", re.S)

_CONFIG = """\
# Written by ragtune (service/chat/mount.py) at every start; edits are overwritten.
[project]
user_env = []
session_timeout = 3600
user_session_timeout = 28800
cache = false
persist_user_env = false
mask_user_env = true
# Same-origin only: the chat page is served by this app itself.
allow_origins = []

[features]
unsafe_allow_html = false
latex = false
user_message_markdown = true
user_message_autoscroll = true
assistant_message_autoscroll = true
auto_tag_thread = false
edit_message = false
allow_thread_sharing = false
favorites = false

[features.spontaneous_file_upload]
enabled = false

[features.audio]
enabled = false

[features.mcp]
enabled = false

[UI]
name = "ragtune"
description = "Answers from the company's documents, with citations."
default_sidebar_state = "open"
confirm_new_chat = false
cot = "hidden"
alert_style = "classic"
custom_build = "build"

[meta]
generated_by = "{version}"
"""


_LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">
<text x="0" y="30" font-family="Helvetica, Arial, sans-serif" font-size="30" font-weight="700"
 fill="{color}">ragtune</text></svg>
"""
_ICON = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
<rect width="64" height="64" rx="14" fill="#2f6fed"/>
<text x="32" y="45" text-anchor="middle" font-family="Helvetica, Arial, sans-serif"
 font-size="38" font-weight="700" fill="#ffffff">r</text></svg>
"""
_README = """\
# ragtune

Sign in with your user name and your API key as the password (an administrator creates keys
with `ragtune keys create`). Answers come from the documents you may read, from the company's
domain adapter, or both; the line above each answer says which, and why. Click a [1], [2]...
in an answer to read the cited passage with its source, section and page. Use the thumbs to
rate an answer; conversations are kept in the sidebar.
"""


def chat_state() -> ServiceState:
    """The service state the chat callbacks use (set when the chat is mounted)."""
    if _STATE is None:
        raise ConfigError("The chat frontend is not mounted", hint="start it with ragtune serve")
    return _STATE


def chat_path() -> str:
    """Where the chat frontend is mounted, e.g. ``/chat``."""
    return _PATH


def _secret(folder: Path) -> str:
    path = folder / ".auth_secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        value = secrets.token_urlsafe(48)
        out.write(value)
    return value


def prepare_app_root(folder: Path) -> Path:
    """Write Chainlit's config and an offline copy of its page under ``folder``."""
    import importlib.util

    spec = importlib.util.find_spec("chainlit")
    if spec is None or spec.origin is None:
        raise ConfigError("Chainlit is not installed", hint="pip install chainlit")
    dist = Path(spec.origin).parent / "frontend" / "dist"
    (folder / ".chainlit").mkdir(parents=True, exist_ok=True)
    (folder / ".chainlit" / "config.toml").write_text(
        _CONFIG.format(version=metadata.version("chainlit")), encoding="utf-8"
    )
    public = folder / "public"
    (public / "avatars").mkdir(parents=True, exist_ok=True)
    (public / "logo_light.svg").write_text(_LOGO.format(color="#1f2937"), encoding="utf-8")
    (public / "logo_dark.svg").write_text(_LOGO.format(color="#f3f4f6"), encoding="utf-8")
    (public / "favicon.svg").write_text(_ICON, encoding="utf-8")
    (public / "avatars" / "ragtune.svg").write_text(_ICON, encoding="utf-8")
    (folder / "chainlit.md").write_text(_README, encoding="utf-8")
    build = folder / "build"
    build.mkdir(exist_ok=True)
    for entry in dist.iterdir():
        target = build / entry.name
        if entry.name == "index.html":
            page = _EXTERNAL_LINK.sub("", entry.read_text(encoding="utf-8"))
            target.write_text(page, encoding="utf-8")
        elif not target.exists():
            target.symlink_to(entry)
    return folder


def mount_chat(app: FastAPI, state: ServiceState, path: str) -> None:
    """Mount the chat frontend at ``path`` (once per process)."""
    global _STATE, _PATH
    if _STATE is not None:
        raise ConfigError(
            "The chat frontend is already mounted in this process",
            hint="build one app per process, or pass chat=False",
        )
    root = prepare_app_root(state.settings.resolved_state_dir() / "chat")
    os.environ["CHAINLIT_APP_ROOT"] = str(root)
    if not os.environ.get("CHAINLIT_AUTH_SECRET"):
        os.environ["CHAINLIT_AUTH_SECRET"] = _secret(root)
    _STATE, _PATH = state, path.rstrip("/")

    import chainlit.config
    from chainlit.utils import mount_chainlit

    if Path(chainlit.config.APP_ROOT).resolve() != root.resolve():
        raise ConfigError(
            "Chainlit was imported before the chat frontend was configured",
            hint="import service.app before anything that imports chainlit",
        )
    chainlit.config.init_config()  # copies Chainlit's translations next to our config
    from service.chat.feedback import install_feedback_routes

    install_feedback_routes(app, state, _PATH)
    mount_chainlit(app=app, target=str(Path(__file__).with_name("ui.py")), path=path)
    log.info("chat frontend mounted", extra={"fields": {"path": path}})
