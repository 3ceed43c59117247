"""Judge accuracy and throughput on the labelled calibration set.

For every judge: balanced accuracy on the held-out split (the figure the issue sets at 0.9 for
the offline judge), on the calibration split and on both; per-kind accuracy; agreement (raw and
Cohen's kappa) with the labels and with every other judge; and throughput in pairs/s from a cold
judge (no cache, embeddings computed), single process, CPU.

The nli judge runs when RAGTUNE_NLI_MODEL names a local model directory; the llm judge needs a
generator from the model runtime, which this script does not wire; both are otherwise listed
as skipped with the reason.

    python -m bench.judges [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.machine import describe_machine, now_iso
from bench.results import markdown_table, write_result
from evals.judges.calibration import (
    CALIBRATION_FILE,
    CalibrationPair,
    agreement,
    balanced_accuracy,
    load_calibration,
)
from evals.judges.protocol import Judge

NAME = "judges"


def _factories() -> tuple[dict[str, Callable[[], Judge]], dict[str, str]]:
    """Judges that can run here, and the reason each other one cannot."""
    from evals.judges.offline import OfflineJudge
    from evals.judges.overlap import OverlapJudge
    from indexes.embeddings import load_embedder
    from ragtune.settings import BUNDLED_EMBED_MODEL

    factories: dict[str, Callable[[], Judge]] = {
        "offline": lambda: OfflineJudge(load_embedder(BUNDLED_EMBED_MODEL)),
        "overlap (baseline)": OverlapJudge,
    }
    skipped: dict[str, str] = {}
    nli_model = os.environ.get("RAGTUNE_NLI_MODEL", "")
    if nli_model and Path(nli_model).expanduser().is_dir():
        from evals.judges.nli import NliJudge

        factories["nli"] = lambda: NliJudge(
            nli_model, entailment_label=os.environ.get("RAGTUNE_NLI_ENTAILMENT_LABEL") or None
        )
    else:
        skipped["nli"] = (
            "RAGTUNE_NLI_MODEL is not a local model directory; no NLI model ships offline"
        )
    skipped["llm"] = (
        "needs a generator from the model runtime (generation/generator.py), which this "
        "benchmark does not wire yet; a 135M base model would not be a meaningful judge anyway"
    )
    return factories, skipped


def _split_accuracy(pairs: Sequence[CalibrationPair], verdicts: Sequence[bool]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for split in ("heldout", "calibration", None):
        chosen = [(p, v) for p, v in zip(pairs, verdicts, strict=True) if split in (None, p.split)]
        labels = [p.supported for p, _ in chosen]
        predicted = [v for _, v in chosen]
        out[split or "all"] = {
            "pairs": len(chosen),
            "balanced_accuracy": round(balanced_accuracy(labels, predicted), 4),
            "true_positive_rate": round(
                sum(1 for lab, v in zip(labels, predicted, strict=True) if lab and v)
                / max(1, sum(labels)),
                4,
            ),
            "true_negative_rate": round(
                sum(1 for lab, v in zip(labels, predicted, strict=True) if not lab and not v)
                / max(1, len(labels) - sum(labels)),
                4,
            ),
        }
    return out


def _kind_accuracy(pairs: Sequence[CalibrationPair], verdicts: Sequence[bool]) -> dict[str, Any]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for p, v in zip(pairs, verdicts, strict=True):
        hits[f"{'supported' if p.supported else 'unsupported'}/{p.kind}"].append(v == p.supported)
    return {
        k: {"pairs": len(v), "accuracy": round(sum(v) / len(v), 4)} for k, v in sorted(hits.items())
    }


def measure(pairs: Sequence[CalibrationPair]) -> dict[str, Any]:
    """Run every available judge over ``pairs`` (cold) and compute the figures."""
    factories, skipped = _factories()
    judges: dict[str, Any] = {}
    verdicts: dict[str, list[bool]] = {}
    labels = [p.supported for p in pairs]
    for name, make in factories.items():
        started = time.perf_counter()
        judge = make()
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        judgements = judge.judge_many([(p.premise, p.sentence) for p in pairs])
        seconds = time.perf_counter() - started
        verdicts[name] = [j.supported for j in judgements]
        with_labels = agreement(labels, verdicts[name])
        judges[name] = {
            "fingerprint": judge.fingerprint,
            "load_seconds": round(load_s, 3),
            "seconds": round(seconds, 3),
            "pairs_per_s": round(len(pairs) / seconds, 1),
            "accuracy": _split_accuracy(pairs, verdicts[name]),
            "agreement_with_labels": {
                "rate": round(with_labels.rate, 4),
                "kappa": round(with_labels.kappa, 4),
            },
            "by_kind": _kind_accuracy(pairs, verdicts[name]),
        }
    between: dict[str, Any] = {}
    names = list(verdicts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            pair = agreement(verdicts[a], verdicts[b])
            between[f"{a} vs {b}"] = {"rate": round(pair.rate, 4), "kappa": round(pair.kappa, 4)}
    return {"judges": judges, "agreement_between_judges": between, "skipped": skipped}


def table(result: dict[str, Any]) -> str:
    rows = []
    for name, r in result["judges"].items():
        acc = r["accuracy"]
        rows.append(
            [
                name,
                acc["heldout"]["balanced_accuracy"],
                acc["calibration"]["balanced_accuracy"],
                acc["all"]["balanced_accuracy"],
                r["agreement_with_labels"]["kappa"],
                r["pairs_per_s"],
            ]
        )
    for name, reason in result["skipped"].items():
        rows.append([name, "skipped", "", "", "", reason])
    headers = [
        "judge",
        "bal. acc. held-out",
        "bal. acc. calibration",
        "bal. acc. all",
        "kappa vs labels",
        "pairs/s",
    ]
    return markdown_table(headers, rows)


def run(*, quick: bool = False) -> dict[str, Any]:
    """Measure every judge on the calibration set (``quick``: the held-out split only)."""
    from ragtune.resources import quiet_libraries

    quiet_libraries()
    pairs = load_calibration(split="heldout" if quick else None)
    load_average = os.getloadavg()
    measured = measure(pairs)
    return {
        "benchmark": NAME,
        "date": now_iso(),
        "machine": describe_machine(),
        "load_average_at_start": load_average,
        "quick": quick,
        "data": str(CALIBRATION_FILE.relative_to(Path(__file__).resolve().parent.parent)),
        "pairs": len(pairs),
        **measured,
        "notes": "Thresholds are the judges' defaults, fitted on the calibration split and the "
        "first 18F set of pairs (python -m evals.judges.calibration; bench/trust.py reports the "
        "blind second 18F set); the held-out split is every third premise with "
        "all its sentences. Throughput is a cold single-process run over all pairs on the CPU, "
        "model loading excluded (load_seconds).",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="held-out pairs only")
    args = parser.parse_args(argv)
    result = run(quick=args.quick)
    path = write_result(NAME, result, quick=args.quick)
    print(f"### Judges\n\n{table(result)}\n\n({path.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
