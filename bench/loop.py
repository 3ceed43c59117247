"""The loop's question: does a RAFT-trained adapter answer better on the "both" route than a
plain Q&A adapter, or than no adapter at all?

On a fresh embedded database holding the sample corpus: the held-out items are the sample
suite's answerable, public questions with gold citations (rag and both); the training pairs
are the sample Q&A pairs readable by everyone, minus every pair ``data check`` finds leaking
into those items. Two adapters are trained with the same steps, batch and learning rate: a
plain one on the pairs (``--format qa``) and a RAFT one on ``data raft`` items built from the
same pairs (``--format raft``). Each held-out question is then asked on the "both" route with
the RAFT adapter, the plain adapter, and none (the route then answers from the documents
alone), generating with the bundled SmolLM2-135M, and scored by the eval harness: citation
recall and precision (ALCE), answer token F1, the share of answers with an unsupported
sentence, and the share of answerable questions answered rather than refused.

    python -m bench.loop [--quick] [--steps N] [--items N]

What to expect: a 135M model trained for tens of CPU steps learns the format more than the
facts, and the agent's verify step prunes or replaces unsupported sentences whatever the
adapter wrote, so differences are small; the same command with ``--base phi-3-mini-4k`` and a
GPU (``RAGTUNE_MODEL``) is where RAFT's reported gains would be measured.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, publish

NAME = "loop"
REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "samples" / "corpus"
SUITE = REPO / "samples" / "suites" / "quillmark.jsonl"
QA = REPO / "samples" / "qa" / "quillmark_qa.jsonl"
METRICS = (
    "citation_recall",
    "citation_precision",
    "answer_f1",
    "hallucination_answer_rate",
)


def _heldout(folder: Path, limit: int) -> Path:
    items = [json.loads(line) for line in SUITE.read_text().splitlines() if line.strip()]
    chosen = [
        i
        for i in items
        if i["answerable"]
        and not i.get("groups")
        and i["gold_citations"]
        and i["expected_route"] in ("rag", "both")
    ][:limit]
    path = folder / "heldout.jsonl"
    path.write_text("".join(json.dumps({**i, "expected_route": "both"}) + "\n" for i in chosen))
    return path


def _training_pairs(folder: Path, heldout: Path, embedder: Any) -> tuple[Path, int]:
    """Public sample pairs that do not leak into the held-out items."""
    from training.data.checks import check_data

    rows = [json.loads(line) for line in QA.read_text().splitlines() if line.strip()]
    public = folder / "public_qa.jsonl"
    public.write_text("".join(json.dumps(r) + "\n" for r in rows if not r.get("groups")))
    checked = check_data(public, embedder, eval_suites=[heldout])
    keep = {p.id for p in [*checked.train, *checked.validation]}
    out = folder / "train_qa.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows if r["id"] in keep))
    return out, len(rows) - len(keep)


class BothRoute:
    """The agent asked on the "both" route with one adapter (None: none), as an eval target."""

    def __init__(self, agent: Any, adapter: str | None) -> None:
        self.agent, self.adapter = agent, adapter

    describe = "inproc (both route)"

    @property
    def retrieval(self) -> dict[str, Any]:
        return {"scored": False, "reason": "not measured here"}

    def ask(self, item: Any) -> Any:
        from evals.answers import AskResponse
        from evals.targets import Attempt
        from ragtune.principal import Principal

        started = time.perf_counter()
        answer = self.agent.ask(
            item.question, Principal(item.user), route="both", adapter=self.adapter
        )
        return Attempt(
            item.id,
            "ok",
            response=AskResponse.model_validate(answer.to_json()),
            wall_ms=(time.perf_counter() - started) * 1000,
            adapter=answer.adapter,
        )

    def close(self) -> None:
        return None


def _scores(record: Any) -> dict[str, Any]:
    counts = record.abstention_counts
    answerable = counts.get("answered", 0) + counts.get("false_refusal", 0)
    out: dict[str, Any] = {m: record.metrics[m].value for m in METRICS}
    out["answers_the_question"] = counts.get("answered", 0) / answerable if answerable else None
    out["items"] = len(record.items)
    out["seconds"] = round(record.seconds, 1)
    return out


def measure(*, steps: int, items: int, quick: bool) -> dict[str, Any]:
    from agent.runtime import Agent
    from bench.agent_latency import _ingest
    from bench.fresh_database import fresh_database
    from evals.judges import JudgeOptions, build_judge
    from evals.runs.runner import run_suite
    from evals.suites import load_suite
    from generation import adapter_registry as registry
    from generation.backends import adapters_dir
    from indexes.embeddings import load_embedder
    from ragtune.settings import BUNDLED_EMBED_MODEL, Settings
    from training.data.raft import build_raft
    from training.feedback_export import write_jsonl
    from training.train_and_register import train_and_register
    from training.train_config import TrainOptions

    embedder = load_embedder(BUNDLED_EMBED_MODEL)
    result: dict[str, Any] = {"machine": describe_machine(), "when": now_iso()}
    result["load_average_at_start"] = list(os.getloadavg())
    with fresh_database(pool_max=4) as (db, state):
        result["corpus"] = _ingest(db, embedder)
        settings = Settings(
            state_dir=state,
            allow_model_download=False,
            agent_generate=True,
            # On a CPU the default policy skips the model's draft on grounded routes (the
            # extractive answer wins there), which would leave every adapter unused here.
            agent_draft="always",
            agent_verify_retry=False,
            agent_max_new_tokens=64,
            train_f1_items=0,
        )  # no database_url: the embedded server of ``state`` is the one fresh_database started
        heldout = _heldout(state, items)
        pairs, leaked = _training_pairs(state, heldout, embedder)
        raft = build_raft(db, embedder, pairs, collection="default", distractors=3, p_oracle=0.8)
        raft_file = state / "raft.jsonl"
        write_jsonl(raft.records, raft_file)
        result["data"] = {
            "train_pairs": sum(1 for _ in pairs.open()),
            "left_out_as_leaking": leaked,
            "raft_items": len(raft.records),
            "raft_with_oracle": raft.with_oracle,
            "raft_skipped": len(raft.skipped),
        }
        trained: dict[str, Any] = {}
        for name, data, fmt, seq in (
            ("plain-qa", pairs, "qa", 512),
            ("raft", raft_file, "raft", 2048),
        ):
            options = TrainOptions(
                method="lora",
                max_steps=steps,
                batch_size=2,
                grad_accum=1,
                learning_rate=5e-4,
                max_seq_tokens=seq,
                f1_items=0,
                data_format=fmt,
                gradient_checkpointing=False,
            )
            started = time.perf_counter()
            done = train_and_register(
                settings, data, name, options, out=adapters_dir(settings) / name
            )
            trained[name] = {
                "steps": done.manifest["training"]["steps"],
                "seconds": round(time.perf_counter() - started, 1),
                "train_loss": done.manifest["evaluation"]["train_loss"],
                "val_loss": done.manifest["evaluation"]["val_loss"],
            }
        result["training"] = trained
        from evals.runs.config import describe_pins

        suite = load_suite(heldout)
        judge = build_judge("offline", JudgeOptions(embedder=embedder))
        agent = Agent(settings, db, embedder, judge)
        runs: dict[str, Any] = {}
        try:
            for label, adapter in (("none", None), ("plain-qa", "plain-qa"), ("raft", "raft")):
                record = run_suite(
                    suite,
                    BothRoute(agent, adapter),
                    judge,
                    embedder,
                    config={"adapter": adapter, "pins": describe_pins(db)},
                )
                runs[label] = _scores(record)
        finally:
            agent.close()
        result["runs"] = runs
        result["registry"] = [a.name for a in registry.list_adapters(db)]
    result["load_average_at_end"] = list(os.getloadavg())
    result["options"] = {"steps": steps, "items": items, "quick": quick}
    return result


def table(result: dict[str, Any]) -> str:
    headers = ["adapter (both route)", *METRICS, "answers_the_question", "items"]
    rows = [
        [label, *(r[m] if r[m] is not None else "n/a" for m in headers[1:])]
        for label, r in result["runs"].items()
    ]
    return markdown_table(headers, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 steps, 4 items (smoke run)")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--items", type=int, default=24)
    args = parser.parse_args(argv)
    steps, items = (2, 4) if args.quick else (args.steps, args.items)
    return publish(
        NAME, measure(steps=steps, items=items, quick=args.quick), table, quick=args.quick
    )


if __name__ == "__main__":
    raise SystemExit(main())
