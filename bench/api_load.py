"""HTTP service overhead and a bounded load test on loopback.

On a fresh embedded database holding the public sample corpus, with the real agent answering
extractively (``agent_generate=False``: no language model, so the numbers are the service's
and the agent's own work, not token generation):

(a) API overhead: each suite question is sent to ``POST /v1/ask`` one at a time; the overhead
    of one request is the client-observed latency minus the agent's own ``timings_ms.total``
    for that same request (auth, key lookup, rate limit, JSON, uvicorn, loopback). The same
    for ``GET /v1/models`` (no agent at all: the floor of an authenticated request).
(b) Load: N concurrent clients for T seconds against ``POST /v1/ask`` (and, separately, the
    models endpoint): requests/s, p50/p95 latency and errors (target: none).

The service runs as ``ragtune serve`` in a subprocess (one uvicorn worker), the clients in
this process with httpx.

    python -m bench.api_load [--quick] [--clients N] [--seconds T]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.fresh_database import fresh_database, server_facts
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, percentile, write_result

NAME = "api_load"
REPO = Path(__file__).resolve().parent.parent
SUITE = REPO / "samples" / "suites" / "quillmark.jsonl"
CORPUS = REPO / "samples" / "corpus" / "public"


def _questions(limit: int) -> list[str]:
    items = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines() if line]
    public = [i["question"] for i in items if not i.get("groups") and i.get("user") is None]
    return (public or [i["question"] for i in items])[:limit]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "mean_ms": round(sum(values) / len(values), 2) if values else float("nan"),
    }


def _start_service(database_url: str, state_dir: Path, concurrency: int) -> tuple[Any, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RAGTUNE_STATE_DIR": str(state_dir),
        "RAGTUNE_AGENT_GENERATE": "false",
        "RAGTUNE_SERVICE_RATE_PER_MINUTE": "0",
        "RAGTUNE_SERVICE_MAX_CONCURRENT_ANSWERS": str(concurrency),
        "RAGTUNE_LOG_LEVEL": "WARNING",
    }
    log = (state_dir / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ragtune.cli", "serve", "--port", str(port), "--no-chat"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            raise RuntimeError((state_dir / "serve.log").read_text()[-2000:])
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the service did not become ready")
        time.sleep(0.5)


def measure_overhead(url: str, key: str, questions: list[str], rounds: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    ask_total, agent_total, overhead, models = [], [], [], []
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for q in questions[:3]:  # warm-up: models, caches, connection
            client.post("/v1/ask", json={"question": q})
        for _ in range(rounds):
            for q in questions:
                started = time.perf_counter()
                r = client.post("/v1/ask", json={"question": q})
                seen = (time.perf_counter() - started) * 1000
                r.raise_for_status()
                agent_ms = float(r.json()["timings_ms"]["total"])
                ask_total.append(seen)
                agent_total.append(agent_ms)
                overhead.append(seen - agent_ms)
                started = time.perf_counter()
                client.get("/v1/models").raise_for_status()
                models.append((time.perf_counter() - started) * 1000)
    return {
        "ask_client_ms": _stats(ask_total),
        "ask_agent_ms": _stats(agent_total),
        "ask_overhead_ms": _stats(overhead),
        "models_request_ms": _stats(models),
    }


async def _load(
    url: str, key: str, questions: list[str], clients: int, seconds: float, path: str
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.monotonic() + seconds

    async def client_loop(index: int, client: httpx.AsyncClient) -> None:
        n = index
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                if path == "/v1/ask":
                    q = questions[n % len(questions)]
                    r = await client.post(path, json={"question": q})
                else:
                    r = await client.get(path)
                if r.status_code == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            n += clients

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.monotonic()
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=120, limits=limits
    ) as client:
        await asyncio.gather(*(client_loop(i, client) for i in range(clients)))
    elapsed = time.monotonic() - started
    return {
        "path": path,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 2),
        "latency_ms": _stats(latencies),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=4, help="generation slots")
    args = parser.parse_args()
    questions = _questions(8 if args.quick else 20)
    rounds = 1 if args.quick else 2
    seconds = 8.0 if args.quick else args.seconds

    from indexes.embeddings import load_embedder
    from indexes.ingest import IngestOptions, ingest
    from ragtune.principal import Principal
    from ragtune.resources import quiet_libraries
    from service.keys import create_key

    quiet_libraries()
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_before": list(os.getloadavg()),
        "setup": {
            "corpus": "samples/corpus/public",
            "agent_generate": False,
            "uvicorn_workers": 1,
            "generation_slots": args.concurrency,
            "questions": len(questions),
        },
    }
    with fresh_database(pool_max=8) as (db, _), tempfile.TemporaryDirectory() as tmp:
        result["database"] = server_facts(db)
        report = ingest(
            db, load_embedder("all-MiniLM-L6-v2"), [CORPUS], IngestOptions(progress=False)
        )
        result["setup"]["chunks"] = report.chunks
        key = create_key(db, Principal("bench")).token
        proc, url = _start_service(str(db.admin.conninfo), Path(tmp), args.concurrency)
        try:
            result["overhead"] = measure_overhead(url, key, questions, rounds)
            result["load_ask"] = asyncio.run(
                _load(url, key, questions, args.clients, seconds, "/v1/ask")
            )
            result["load_models"] = asyncio.run(
                _load(url, key, questions, args.clients, min(seconds, 10.0), "/v1/models")
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    result["load_average_after"] = list(os.getloadavg())
    path = write_result(NAME, result, quick=args.quick)

    o = result["overhead"]
    print(
        markdown_table(
            ["measure", "n", "p50 ms", "p95 ms"],
            [
                [name, o[k]["n"], o[k]["p50_ms"], o[k]["p95_ms"]]
                for name, k in (
                    ("POST /v1/ask, client-observed", "ask_client_ms"),
                    ("agent's own total", "ask_agent_ms"),
                    ("service overhead (client - agent)", "ask_overhead_ms"),
                    ("GET /v1/models (auth + JSON)", "models_request_ms"),
                )
            ],
        )
    )
    print()
    print(
        markdown_table(
            ["load", "clients", "s", "req/s", "p50 ms", "p95 ms", "errors"],
            [
                [
                    r["path"],
                    r["clients"],
                    r["seconds"],
                    r["requests_per_s"],
                    r["latency_ms"]["p50_ms"],
                    r["latency_ms"]["p95_ms"],
                    sum(r["errors"].values()),
                ]
                for r in (result["load_ask"], result["load_models"])
            ],
        )
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
