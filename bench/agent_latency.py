"""Agent latency: per-node p50/p95 with generation off, end-to-end per route with SmolLM2, and
the router's accuracy and abstention rate on the sample suite.

On a fresh embedded database holding the sample corpus (restricted parts for their groups):

(a) every suite question through ``Agent.ask`` with ``agent_generate=False`` and no adapter
    registered, so nothing is generated: each node's p50/p95 and the graph's own overhead
    (``total`` minus the node times: LangGraph's scheduling and the Postgres checkpoint writes);
    the same answers give the route accuracy and the abstention rate without an adapter.
(b) a tiny LoRA adapter trained on the public sample Q&A pairs, registered and activated; the
    route accuracy of ``Agent.dry_run_route`` (no generation) with it.
(c) a few suite questions per route through ``Agent.ask`` with the real SmolLM2 generator
    (``agent_generate=True``): rag, adapter and both forced by the caller, none routed as usual.

    python -m bench.agent_latency [--quick] [--no-adapter]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bench.fresh_database import fresh_database, server_facts
from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, percentile, write_result

if TYPE_CHECKING:  # the agent pulls in torch and langgraph: imported where used
    from agent.runtime import Agent
    from evals.suites import SuiteItem
    from indexes.database import Database
    from indexes.embeddings import Embedder

NAME = "agent_latency"
REPO = Path(__file__).resolve().parent.parent
SUITE = REPO / "samples" / "suites" / "quillmark.jsonl"
SAMPLE_QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"
CORPUS = REPO / "samples" / "corpus"
NODES = ("guard", "rewrite", "route", "retrieve", "generate", "verify", "finalize")
ROUTES = ("rag", "adapter", "both", "none")
ADAPTER = "bench-quillmark"
WARMUP_QUESTIONS = 3
QUICK_ITEMS = 20
# A few optimizer steps on short sequences: enough for a real adapter file the agent loads and
# generates with; its quality is not what is measured here.
TRAIN_STEPS = 10


def _principal(item: SuiteItem) -> Any:
    from ragtune.principal import Principal

    return Principal(item.user, frozenset(item.groups))


def _ingest(db: Database, embedder: Embedder) -> dict[str, Any]:
    from indexes.ingest import IngestOptions, ingest

    started = time.perf_counter()
    counts: dict[str, int] = {}
    for folder, group in (
        ("public", None),
        ("restricted/hr", "hr"),
        ("restricted/finance", "finance"),
    ):
        options = IngestOptions(progress=False)
        if group:
            options = IngestOptions(progress=False, groups=frozenset({group}))
        report = ingest(db, embedder, [CORPUS / folder], options)
        if report.failed:
            raise RuntimeError(f"ingest of {folder} failed: {report.failed}")
        counts[folder] = report.chunks
    return {"chunks": counts, "seconds": round(time.perf_counter() - started, 1)}


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "mean_ms": round(sum(values) / len(values), 2) if values else float("nan"),
    }


def _node_latency(agent: Agent, items: Sequence[SuiteItem]) -> tuple[dict[str, Any], list[Any]]:
    """Phase (a): every item asked once; per-node and overhead percentiles, and the answers."""
    from tqdm import tqdm

    for item in items[:WARMUP_QUESTIONS]:  # pools, checkpointer tables, embedder warm
        agent.ask(item.question, _principal(item))
    per_node: dict[str, list[float]] = {name: [] for name in NODES}
    total, overhead, ask_ms = [], [], []
    answers = []
    for item in tqdm(items, desc="(a) ask, generation off", leave=False):
        started = time.perf_counter()
        answer = agent.ask(item.question, _principal(item))
        ask_ms.append((time.perf_counter() - started) * 1000)
        answers.append(answer)
        timings = answer.timings_ms
        for name in NODES:
            if name in timings:
                per_node[name].append(timings[name])
        total.append(timings["total"])
        overhead.append(timings["total"] - sum(timings[n] for n in NODES if n in timings))
    return {
        "nodes": {name: _summary(values) for name, values in per_node.items()},
        "graph_total": _summary(total),
        "graph_overhead": _summary(overhead),
        "ask": _summary(ask_ms),
    }, answers


def _route_accuracy(items: Sequence[SuiteItem], routes: Sequence[str]) -> dict[str, Any]:
    pairs = [(item.expected_route, route) for item, route in zip(items, routes, strict=True)]
    by_expected: dict[str, Any] = {}
    for expected in ROUTES:
        got = [r for e, r in pairs if e == expected]
        if got:
            by_expected[expected] = {
                "n": len(got),
                "accuracy": round(sum(r == expected for r in got) / len(got), 3),
                "routed": dict(Counter(got)),
            }
    return {
        "accuracy": round(sum(e == r for e, r in pairs) / len(pairs), 3),
        "by_expected_route": by_expected,
    }


def _abstention(items: Sequence[SuiteItem], abstained: Sequence[bool]) -> dict[str, Any]:
    answerable = [a for item, a in zip(items, abstained, strict=True) if item.answerable]
    unanswerable = [a for item, a in zip(items, abstained, strict=True) if not item.answerable]
    return {
        "rate": round(sum(abstained) / len(abstained), 3),
        "on_unanswerable": round(sum(unanswerable) / max(1, len(unanswerable)), 3),
        "on_answerable": round(sum(answerable) / max(1, len(answerable)), 3),
        "n_unanswerable": len(unanswerable),
        "n_answerable": len(answerable),
    }


def _public_pairs(folder: Path) -> Path:
    """The sample Q&A pairs no group restricts, so the adapter is usable by everyone."""
    lines = [
        line
        for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines()
        if line.strip() and not json.loads(line).get("groups")
    ]
    path = folder / "public_qa.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _train_adapter(db: Database, embedder: Embedder, settings: Any) -> dict[str, Any]:
    """Convert SmolLM2, train the tiny adapter into the adapters dir, register and activate it."""
    from generation import adapter_registry as registry
    from generation.backends import adapters_dir
    from generation.base_models import DEFAULT_MODEL, MODELS, ensure_converted
    from training.data.checks import check_data
    from training.train import TrainOptions, train_adapter

    state = settings.resolved_state_dir()
    started = time.perf_counter()
    ensure_converted(MODELS[DEFAULT_MODEL], state)
    convert_s = time.perf_counter() - started
    data = check_data(_public_pairs(state), embedder)
    started = time.perf_counter()
    options = TrainOptions(
        method="lora",
        max_steps=TRAIN_STEPS,
        batch_size=2,
        grad_accum=1,
        max_seq_tokens=128,
        f1_items=0,
    )
    result = train_adapter(
        data, ADAPTER, adapters_dir(settings) / ADAPTER, state_dir=state, options=options
    )
    train_s = time.perf_counter() - started
    registry.register(db, result.path, result.manifest)
    registry.activate(db, ADAPTER)
    return {
        "name": ADAPTER,
        "method": "lora",
        "options": {k: getattr(options, k) for k in ("max_steps", "batch_size", "max_seq_tokens")},
        "train_pairs": len(data.train),
        "allowed_groups": result.manifest["allowed_groups"],
        "val_loss": result.manifest["evaluation"]["val_loss"],
        "convert_seconds": round(convert_s, 1),
        "train_seconds": round(train_s, 1),
    }


def _end_to_end(
    agent: Agent, items: Sequence[SuiteItem], per_route: int, adapter: str | None
) -> dict[str, Any]:
    """Phase (c): a few questions per route with generation on."""
    from tqdm import tqdm

    from generation.generator import GenerationParams

    started = time.perf_counter()
    generator = agent.generator
    load_s = time.perf_counter() - started
    # Warm the base and load the adapter, so no question below pays for either.
    generator.generate("Hello", GenerationParams(max_new_tokens=1))
    if adapter is not None:
        generator.generate("Hello", GenerationParams(max_new_tokens=1, adapter=adapter))
    out: dict[str, Any] = {"generator_load_seconds": round(load_s, 1), "routes": {}}
    for route in ROUTES:
        if route in ("adapter", "both") and adapter is None:
            out["routes"][route] = {"skipped": "no adapter was trained (--no-adapter)"}
            continue
        pool = [i for i in items if i.expected_route == route]
        # Spread over the route's items (the suite lists similar questions together).
        chosen = pool[:: max(1, len(pool) // per_route)][:per_route]
        runs = []
        for item in tqdm(chosen, desc=f"(c) {route}, generating", leave=False):
            requested = "auto" if route == "none" else route
            answer = agent.ask(item.question, _principal(item), route=cast(Any, requested))
            runs.append(
                {
                    "id": item.id,
                    "requested": requested,
                    "route": answer.route,
                    "abstained": answer.abstained,
                    "repaired": answer.verification.repaired,
                    "answer_chars": len(answer.answer),
                    "total_ms": round(answer.timings_ms["total"], 1),
                    "generate_ms": round(answer.timings_ms.get("generate", 0.0), 1),
                    "verify_ms": round(answer.timings_ms.get("verify", 0.0), 1),
                }
            )
        out["routes"][route] = {
            "total": _summary([r["total_ms"] for r in runs]),
            "generate_mean_ms": round(sum(r["generate_ms"] for r in runs) / len(runs), 1),
            "questions": runs,
        }
    return out


COLD_QUESTION = "What is the minimum password length?"
COLD_RUNS = 3


def _cold_ask(db: Database, state_dir: Path, runs: int) -> dict[str, Any]:
    """``ragtune ask`` as a user runs it, a new process each time (imports, settings, model
    loads, one extractive answer), per embedder backend: median and slowest wall seconds."""
    import subprocess

    out: dict[str, Any] = {"question": COLD_QUESTION, "runs": runs}
    # A pool's conninfo may be a callable (a rotating credential); a child process needs text.
    conninfo = db.admin.conninfo
    for backend in ("auto", "sentence-transformers"):
        env = {
            **os.environ,
            "DATABASE_URL": conninfo() if callable(conninfo) else conninfo,
            "RAGTUNE_STATE_DIR": str(state_dir),
            "RAGTUNE_AGENT_GENERATE": "false",
            "RAGTUNE_EMBED_BACKEND": backend,
        }
        walls = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "ragtune.cli", "ask", COLD_QUESTION],
                env=env,
                capture_output=True,
                check=True,
                timeout=300,
            )
            walls.append(time.perf_counter() - started)
        out[backend] = {"median_s": round(percentile(walls, 50), 2), "max_s": round(max(walls), 2)}
    return out


def run(*, quick: bool = False, adapter: bool = True) -> dict[str, Any]:
    """Run the three phases on a fresh database and return the result envelope."""
    from agent.runtime import agent_config, build_agent
    from evals.suites import load_suite
    from indexes.embeddings import load_embedder
    from ragtune.resources import quiet_libraries
    from ragtune.settings import BUNDLED_EMBED_MODEL, DEFAULT_EMBED_BACKEND, Settings

    quiet_libraries()
    load_average = os.getloadavg()
    suite = load_suite(SUITE)
    items = suite.items[:QUICK_ITEMS] if quick else suite.items
    per_route = 1 if quick else 3
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": list(load_average),
        "quick": quick,
        "suite": str(SUITE.relative_to(REPO)),
        "suite_items": len(items),
    }
    with fresh_database(pool_max=4) as (db, state_dir):
        result["server"] = server_facts(db)
        started = time.perf_counter()
        embedder = load_embedder(BUNDLED_EMBED_MODEL, backend=DEFAULT_EMBED_BACKEND)
        result["embedder"] = getattr(embedder, "backend", "sentence-transformers")
        result["embedder_load_seconds"] = round(time.perf_counter() - started, 1)
        result["corpus"] = _ingest(db, embedder)
        off = Settings(state_dir=state_dir, allow_model_download=False, agent_generate=False)
        result["agent_config"] = asdict(agent_config(off))
        agent = build_agent(off, db=db, embedder=embedder)
        try:
            print("(a) per-node latency, generation off", file=sys.stderr)
            latency, answers = _node_latency(agent, items)
            # Nothing may have been generated: the model is loaded on first use only.
            latency["generator_loaded"] = agent._generator is not None
        finally:
            agent.close()
        result["nodes_generation_off"] = latency
        result["without_adapter"] = {
            "routes": _route_accuracy(items, [a.route for a in answers]),
            "abstention": _abstention(items, [a.abstained for a in answers]),
        }
        print("(a') ragtune ask from a cold process", file=sys.stderr)
        result["cold_ask"] = _cold_ask(db, state_dir, 1 if quick else COLD_RUNS)

        result["load_average_before_generation"] = list(os.getloadavg())
        trained = None
        if adapter:
            print("(b) training the tiny adapter", file=sys.stderr)
            result["adapter"] = _train_adapter(db, embedder, off)
            trained = ADAPTER
        else:
            result["adapter"] = {"skipped": "--no-adapter"}
        on = Settings(state_dir=state_dir, allow_model_download=False, agent_generate=True)
        agent = build_agent(on, db=db, embedder=embedder)
        try:
            plans = [agent.dry_run_route(item.question, _principal(item)) for item in items]
            result["with_adapter_plan"] = {
                "adapter": trained,
                "routes": _route_accuracy(items, [p["route"] for p in plans]),
                "abstention_planned": _abstention(items, [p["route"] == "none" for p in plans]),
            }
            print("(c) end to end with SmolLM2", file=sys.stderr)
            started = time.perf_counter()
            result["end_to_end"] = _end_to_end(agent, suite.items, per_route, trained)
            result["end_to_end"]["seconds"] = round(time.perf_counter() - started, 1)
        finally:
            agent.close()
    result["load_average_after"] = list(os.getloadavg())
    return result


def table(result: dict[str, Any]) -> str:
    """Per-node latency, then end-to-end per route, then routing quality."""
    latency = result["nodes_generation_off"]
    rows: list[list[Any]] = [
        [name, s["n"], s["p50_ms"], s["p95_ms"]] for name, s in latency["nodes"].items()
    ]
    for label in ("graph_overhead", "graph_total", "ask"):
        s = latency[label]
        rows.append([label.replace("_", " "), s["n"], s["p50_ms"], s["p95_ms"]])
    parts = [markdown_table(["node (generation off)", "n", "p50 ms", "p95 ms"], rows)]

    e2e = []
    for route, entry in result["end_to_end"]["routes"].items():
        if "skipped" in entry:
            e2e.append([route, 0, "", "", "", entry["skipped"]])
            continue
        got = Counter(q["route"] for q in entry["questions"])
        abstained = sum(q["abstained"] for q in entry["questions"])
        taken = ", ".join(f"{r} {n}" for r, n in got.items())
        e2e.append(
            [
                route,
                entry["total"]["n"],
                entry["total"]["p50_ms"],
                entry["total"]["mean_ms"],
                entry["generate_mean_ms"],
                f"routes taken: {taken}; abstained {abstained}",
            ]
        )
    headers = ["route (SmolLM2)", "n", "p50 ms", "mean ms", "generate mean ms", "note"]
    parts.append(markdown_table(headers, e2e))

    quality = []
    for label, key, abstention in (
        ("ask, no adapter", "without_adapter", "abstention"),
        ("plan, adapter active", "with_adapter_plan", "abstention_planned"),
    ):
        entry = result[key]
        a = entry[abstention]
        per_route = ", ".join(
            f"{r} {v['accuracy']:.2f}" for r, v in entry["routes"]["by_expected_route"].items()
        )
        quality.append(
            [
                label,
                entry["routes"]["accuracy"],
                per_route,
                a["rate"],
                a["on_unanswerable"],
                a["on_answerable"],
            ]
        )
    headers = [
        "routing",
        "route accuracy",
        "by expected route",
        "abstained",
        "on unanswerable",
        "on answerable",
    ]
    parts.append(markdown_table(headers, quality))
    cold = result.get("cold_ask")
    if cold:
        rows = [
            [b, cold[b]["median_s"], cold[b]["max_s"]] for b in ("auto", "sentence-transformers")
        ]
        parts.append(markdown_table(["`ragtune ask`, new process", "median s", "max s"], rows))
    return "\n\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"the first {QUICK_ITEMS} items, 1 per route"
    )
    parser.add_argument(
        "--no-adapter",
        action="store_true",
        help="skip training an adapter (the adapter and both routes are then not timed)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = run(quick=args.quick, adapter=not args.no_adapter)
    result["seconds"] = round(time.perf_counter() - started, 1)
    path = write_result(NAME, result, quick=args.quick)
    print(f"### Agent latency\n\n{table(result)}\n\n({path.name})")
    print(f"\nfinished in {result['seconds']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
