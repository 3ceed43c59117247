"""The judges on labelled pairs: thresholds fitted on some sets, measured on another.

The sets are the sample company's calibration pairs and the 18F handbook's judge pairs
(JUDGE_SETS). ``judges`` (offline judge and overlap baseline, each direction of
JUDGE_DIRECTIONS) is what bench.trust writes under "judges"; ``report_any_judge`` holds any
other judge (nli, llm, ...) to the same figures at its own threshold, nothing refitted, on
BLIND_JUDGE_SET (the newest blind set) by default.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evals.judges.protocol import Judge
    from indexes.embeddings import Embedder

# The labelled 18F sets (as bench.trust's HELDOUT: the judge pairs sit beside its questions).
HELDOUT = Path(__file__).resolve().parents[1] / "samples" / "heldout" / "18f-handbook"


# The 18F judge sets: "18f" (2026-12-03) informed the judge changes of 2026-12-05 and is no
# longer blind; "18f-b" to "18f-n" (each written before anything was measured on it) are.
JUDGE_SETS = {
    "18f": "judge_pairs.jsonl",
    "18f-b": "judge_pairs_b.jsonl",
    "18f-c": "judge_pairs_c.jsonl",
    "18f-d": "judge_pairs_d.jsonl",
    "18f-e": "judge_pairs_e.jsonl",
    "18f-f": "judge_pairs_f.jsonl",
    "18f-g": "judge_pairs_g.jsonl",
    "18f-h": "judge_pairs_h.jsonl",
    "18f-i": "judge_pairs_i.jsonl",
    "18f-j": "judge_pairs_j.jsonl",
    "18f-k": "judge_pairs_k.jsonl",
    "18f-l": "judge_pairs_l.jsonl",
    "18f-m": "judge_pairs_m.jsonl",
    "18f-n": "judge_pairs_n.jsonl",
}
BLIND_JUDGE_SET = "18f-n"
# The first two are the shipped thresholds' protocol; then the issue's (sample only).
JUDGE_DIRECTIONS = (
    ("sample+18f", "18f-n"),
    ("sample+18f", "18f-m"),
    ("sample+18f", "18f-l"),
    ("sample+18f", "18f-k"),
    ("sample+18f", "18f-j"),
    ("sample+18f", "18f-i"),
    ("sample+18f", "18f-h"),
    ("sample+18f", "18f-g"),
    ("sample+18f", "18f-f"),
    ("sample+18f", "18f-e"),
    ("sample+18f", "18f-d"),
    ("sample+18f", "18f-c"),
    ("sample+18f", "18f-b"),
    ("sample", "18f-n"),
    ("sample", "18f-m"),
    ("sample", "18f-l"),
    ("sample", "18f-k"),
    ("sample", "18f-j"),
    ("sample", "18f-i"),
    ("sample", "18f-h"),
    ("sample", "18f-g"),
    ("sample", "18f-f"),
    ("sample", "18f-e"),
    ("sample", "18f-d"),
    ("sample", "18f-c"),
    ("sample", "18f-b"),
    ("sample", "18f"),
    ("18f", "sample"),
)


def judge_pairs() -> dict[str, list[tuple[str, str, bool, str]]]:
    """Labelled (premise, sentence, supported, kind) pairs: the sample set (its calibration
    split first: the shipped thresholds are fitted on that split alone) and the 18F sets."""
    from evals.judges.calibration import load_calibration, load_pairs

    files = {"sample": load_calibration(split="calibration") + load_calibration(split="heldout")}
    files |= {name: load_pairs(HELDOUT / file) for name, file in JUDGE_SETS.items()}
    return {
        name: [(p.premise, p.sentence, p.supported, p.kind) for p in pairs]
        for name, pairs in files.items()
    }


def judge_figures(
    labels: Sequence[bool], verdicts: Sequence[bool], kinds: Sequence[str]
) -> dict[str, Any]:
    """Faithful kept, hallucination caught, their mean, and accuracy per kind."""
    kept = [v for lab, v in zip(labels, verdicts, strict=True) if lab]
    caught = [not v for lab, v in zip(labels, verdicts, strict=True) if not lab]
    by_kind: dict[str, list[bool]] = {}
    for lab, v, kind in zip(labels, verdicts, kinds, strict=True):
        by_kind.setdefault(f"{'faithful' if lab else 'hallucination'}/{kind}", []).append(v == lab)
    k, c = sum(kept) / max(1, len(kept)), sum(caught) / max(1, len(caught))
    return {
        "faithful_kept": round(k, 4),
        "hallucination_caught": round(c, 4),
        "balanced": round((k + c) / 2, 4),
        "by_kind": {n: round(sum(v) / len(v), 4) for n, v in sorted(by_kind.items())},
    }


def report_any_judge(
    judge: Judge, pairs: Sequence[tuple[str, str, bool, str]] | None = None
) -> dict[str, Any]:
    """Any judge (offline, nli, llm, ...) at its own threshold on held-out pairs (the blind
    18F set by default): the same figures the offline judge is held to, nothing refitted."""
    chosen = judge_pairs()[BLIND_JUDGE_SET] if pairs is None else list(pairs)
    verdicts = judge.judge_many([(p, s) for p, s, _, _ in chosen])
    return {
        "judge": judge.fingerprint,
        "pairs": len(chosen),
        **judge_figures(
            [lab for _, _, lab, _ in chosen],
            [v.supported for v in verdicts],
            [k for _, _, _, k in chosen],
        ),
    }


def judges(embedder: Embedder, measured: Collection[str] | None = None) -> dict[str, Any]:
    """Offline judge and overlap baseline: fit each threshold on some sets, report another.

    ``measured``: only the directions that measure these sets (and the sets the fits read) are
    scored; all of them by default. Scoring a set of 150 pairs takes seconds on a CPU.
    """
    from evals.judges.calibration import best_threshold, load_calibration
    from evals.judges.offline import OfflineJudge
    from evals.judges.overlap import OverlapJudge

    offline = OfflineJudge(embedder)
    overlap = OverlapJudge()
    sets = judge_pairs()
    directions = [d for d in JUDGE_DIRECTIONS if measured is None or d[1] in measured]
    needed = {"sample", "18f"} | {m for _, m in directions}
    sets = {name: pairs for name, pairs in sets.items() if name in needed}
    scores: dict[str, dict[str, list[float]]] = {"offline": {}, "overlap": {}}
    seconds: dict[str, float] = {}
    for name, pairs in sets.items():
        started = time.perf_counter()
        aligned = offline.align_many([(p, s) for p, s, _, _ in pairs])
        seconds[name] = round(time.perf_counter() - started, 2)
        scores["offline"][name] = [offline.score(a) for a in aligned]
        scores["overlap"][name] = [overlap.score([p], s) for p, s, _, _ in pairs]
    # What each fit reads: the sample set's calibration split only, or that and the first
    # 18F set (the shipped thresholds' fitting set, evals.judges.calibration.fitting_pairs).
    n = len(load_calibration(split="calibration"))
    parts: dict[str, list[tuple[str, int | None]]] = {
        "sample": [("sample", n)],
        "18f": [("18f", None)],
    }
    parts["sample+18f"] = parts["sample"] + parts["18f"]
    out: dict[str, Any] = {"pairs": {n: len(p) for n, p in sets.items()}, "seconds": seconds}
    for judge, by_set in scores.items():
        out[judge] = {}
        for fitted, target_name in directions:
            fit_scores = [x for name, k in parts[fitted] for x in by_set[name][:k]]
            labels = [p[2] for name, k in parts[fitted] for p in sets[name][:k]]
            cut = best_threshold(fit_scores, labels)
            target = sets[target_name]
            out[judge][f"fit {fitted}, measured {target_name}"] = {
                "threshold": cut,
                **judge_figures(
                    [lab for _, _, lab, _ in target],
                    [s >= cut for s in by_set[target_name]],
                    [k for _, _, _, k in target],
                ),
            }
    return out
