"""``make demo``: set up once, then serve. A second run finds everything and starts at once.

Starts the embedded database, ingests the sample company's documents if they are not all
there, trains the sample domain adapter if it is not registered, makes two demo API keys (an
employee, and dana in hr) the first time, then replaces itself with ``ragtune serve`` and
prints where to sign in. The demo keys are kept in ``<state_dir>/demo_keys.json`` (mode 0600)
so later runs can print them again; real keys are never written anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from generation import adapter_registry as registry
from indexes.database import Database
from indexes.documents import list_documents
from indexes.ingest import IngestOptions, discover, ingest
from ragtune.errors import NotFoundError
from ragtune.principal import EVERYONE, Principal
from ragtune.resources import embedder_from_settings, open_resources
from ragtune.settings import Settings, load_settings
from service.keys import authenticate, create_key

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "samples" / "corpus"
FOLDERS = (("public", EVERYONE), ("restricted/hr", "hr"), ("restricted/finance", "finance"))
DEMO_USERS = (("employee", ()), ("dana", ("hr",)))
ADAPTER = "quillmark"
TRAIN = [
    "train",
    str(REPO / "samples" / "qa" / "quillmark_qa.jsonl"),
    "--name",
    ADAPTER,
    "--method",
    "lora",
    "--max-steps",
    "40",
    "--f1-items",
    "8",
]


def say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def ensure_corpus(settings: Settings, db: Database) -> None:
    """Ingest the sample corpus unless every file of it is already a document."""
    reader = Principal("demo-setup", frozenset({"hr", "finance"}))
    try:
        stored = len(list_documents(db, reader, settings.collection))
    except NotFoundError:
        stored = 0
    files = sum(len(discover([CORPUS / folder])[0]) for folder, _ in FOLDERS)
    if stored >= files:
        say(f"sample corpus already ingested ({stored} documents)")
        return
    embedder = embedder_from_settings(settings)
    for folder, group in FOLDERS:
        options = IngestOptions(
            collection=settings.collection,
            groups=frozenset({group}),
            chunk_tokens=settings.chunk_size_tokens,
            overlap_tokens=settings.chunk_overlap_tokens,
            progress=sys.stderr.isatty(),
        )
        report = ingest(db, embedder, [CORPUS / folder], options)
        say(f"ingested {folder} for {group}: {report.summary()}")


def ensure_adapter(db: Database) -> None:
    """Train the sample adapter once (a few minutes on a CPU); later runs reuse it."""
    if registry.is_registered(db, ADAPTER):
        say(f"domain adapter {ADAPTER!r} already trained")
        return
    say(f"training the sample domain adapter {ADAPTER!r} once (LoRA, a few minutes on a CPU)")
    subprocess.run([sys.executable, "-m", "ragtune.cli", *TRAIN], check=True)


def ensure_keys(settings: Settings, db: Database) -> dict[str, dict[str, object]]:
    """The demo keys, made the first time and checked (not revoked) on later runs."""
    path = settings.resolved_state_dir() / "demo_keys.json"
    known: dict[str, dict[str, object]] = {}
    if path.exists():
        known = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for user, groups in DEMO_USERS:
        entry = known.get(user)
        if entry is None or authenticate(db, str(entry["key"])) is None:
            known[user] = create_key(db, Principal(user, frozenset(groups))).to_json()
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(known, out, indent=2)
        say(f"demo API keys written to {path}")
    return known


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--setup-only", action="store_true", help="do not start the service")
    args = parser.parse_args()

    started = time.perf_counter()
    settings = load_settings()
    with open_resources(settings) as ctx:
        say(f"database {ctx.db.label}")
        ensure_corpus(settings, ctx.db)
        ensure_adapter(ctx.db)
        demo_keys = ensure_keys(settings, ctx.db)
    say(f"ready in {time.perf_counter() - started:.1f} s")
    base = f"http://{args.host}:{args.port}"
    print(
        f"\n  Chat:      {base}/chat   (sign in: user name, and the API key as password)\n"
        f"  API docs:  {base}/docs\n",
        flush=True,
    )
    for user, entry in demo_keys.items():
        groups = ",".join(entry["groups"]) or "no groups"  # type: ignore[arg-type]
        print(f"  {f'{user} ({groups}):':<24} {entry['key']}", flush=True)
    key = demo_keys["employee"]["key"]
    print(
        f"\n  curl -s {base}/v1/ask -H 'Authorization: Bearer {key}' \\\n"
        "       -H 'Content-Type: application/json' -d '{\"question\": \"What does E-214 mean?\"}'"
        "\n\n  Ctrl+C stops the service; the database keeps running (ragtune db stop).\n",
        flush=True,
    )
    if args.setup_only:
        return
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "ragtune.cli",
            "serve",
            "--host",
            args.host,
            "--port",
            str(args.port),
        ],
    )


if __name__ == "__main__":
    main()
