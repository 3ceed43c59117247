"""``make demo``: set up once, then serve. A second run finds everything and starts at once.

Starts the embedded database, ingests the sample company's documents if they are not all
there, makes two demo API keys (an employee, and dana in hr) the first time, then replaces
itself with ``ragtune serve`` and prints where to sign in. The sample domain adapter is
trained in the background (its progress lines appear in the same terminal) and then goes
through ``ragtune adapters promote`` on the suite's adapter questions, so the demo shows the
loop: until it is promoted, the adapter routes answer from the documents, and a running
service picks it up without a restart once the gate lets it through. The demo keys are kept
in ``<state_dir>/demo_keys.json`` (mode 0600) so later runs can print them again; real keys
are never written anywhere.
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
from indexes.ingest import discover, ingest, ingest_options
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
SAMPLE_QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"
TRAIN_OPTIONS = [
    "--name",
    ADAPTER,
    "--method",
    "lora",
    "--max-steps",
    "40",
    # 4 examples a step without gradient checkpointing: about 4 minutes on 2 CPU cores, where
    # the defaults (16 a step, checkpointed) were still training after 12.
    "--batch-size",
    "2",
    "--grad-accum",
    "2",
    "--no-gradient-checkpointing",
    "--lr",
    "5e-4",
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
        options = ingest_options(settings, groups=frozenset({group}), progress=sys.stderr.isatty())
        report = ingest(db, embedder, [CORPUS / folder], options)
        say(f"ingested {folder} for {group}: {report.summary()}")


def ensure_adapter(db: Database) -> None:
    """Train and promote the sample adapter in the background, once; later runs reuse it."""
    if registry.is_registered(db, ADAPTER):
        say(f"domain adapter {ADAPTER!r} already trained")
        return
    say(
        f"training the sample domain adapter {ADAPTER!r} in the background (LoRA, a few "
        "minutes on a CPU), then promoting it through the eval gate"
    )
    # A session of its own: it outlives this process, which becomes the server.
    subprocess.Popen(
        [sys.executable, "-m", "service.demo", "--train-and-promote"], start_new_session=True
    )


def public_pairs(source: Path, out: Path) -> int:
    """Write the pairs of ``source`` that carry no groups to ``out``; return how many.

    An adapter is usable only by the groups that may read all of its pairs, so the demo
    adapter, which every demo user should get, trains on the public pairs alone.
    """
    kept = [
        line
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip() and not json.loads(line).get("groups")
    ]
    out.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    return len(kept)


def train_and_promote(settings: Settings) -> int:
    """The background half of the demo: train, then promote on the adapter questions."""
    ragtune = [sys.executable, "-m", "ragtune.cli"]
    pairs = settings.resolved_state_dir() / "demo_public_qa.jsonl"
    public_pairs(SAMPLE_QA, pairs)
    trained = subprocess.run([*ragtune, "train", str(pairs), *TRAIN_OPTIONS], check=False)
    if trained.returncode != 0:
        say(
            f"training {ADAPTER!r} failed (exit {trained.returncode}); the demo answers from "
            "the documents"
        )
        return trained.returncode
    suite = settings.resolved_state_dir() / "demo_adapter_suite.jsonl"
    items = (REPO / "samples" / "suites" / "quillmark.jsonl").read_text().splitlines()
    suite.write_text(
        "".join(line + "\n" for line in items if '"expected_route": "adapter"' in line)
    )
    say(f"{ADAPTER!r} trained; promoting it through the eval gate (answer F1 must improve)")
    promoted = subprocess.run(
        [
            *ragtune,
            "adapters",
            "promote",
            ADAPTER,
            "--suite",
            str(suite),
            "--against",
            "none",
            "--target-metric",
            "answer_f1",
        ],
        check=False,
    )
    say(
        f"{ADAPTER!r} is live: adapter routes now use it"
        if promoted.returncode == 0
        else f"{ADAPTER!r} was not promoted (see the reasons above); answers stay on the documents"
    )
    return promoted.returncode


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
    parser.add_argument("--train-and-promote", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train_and_promote:
        sys.exit(train_and_promote(load_settings()))

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
