"""Design on design data: the answerability check's failures, item by item, on the corpora
changes may be chosen on.

Those corpora are the sample company, the 18F sets A to G (read while designing, so spent for
answerability: C to G since set H was written, 2026-12-06), and the 18F design set
(``samples/design/18f-handbook``, written blind like the held-out sets but meant to be read).
The blind sets (H to N) are not among them: this tool never prints an item of them;
``bench.trust`` reports them in aggregate only.

    python -m bench.trust_design --state-dir DIR [--reuse]

``--state-dir`` keeps the ingested indexes and the recorded answers (share it with
``bench.trust`` to reuse its indexes); ``--reuse`` re-decides the recorded answers with the
current answerability code instead of asking again (seconds instead of minutes). Nothing is
written to ``bench/results``: design figures are not results.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.handbook import HANDBOOK
from bench.trust import Corpus, corpora, handbook_corpus, recorded_answers
from bench.trust_scoring import decide, loss, score

DESIGN = Path(__file__).resolve().parents[1] / "samples" / "design" / "18f-handbook"
# The held-out corpora that are spent for answerability (the held-out README says why); every
# later set is blind and stays out of this tool.
SPENT = ("sample", "18f", "18f-b", "18f-c", "18f-d", "18f-e", "18f-f", "18f-g")


def design_corpora() -> list[Corpus]:
    """The sample company, 18F sets A to G, and the 18F design sets (the short questions' too)
    when the handbook is there, each asked over the handbook's one index."""
    found = [c for c in corpora() if c.name in SPENT]
    if HANDBOOK.is_dir():
        for name, tag in (("18f-design", "design"), ("18f-design-short", "short")):
            answerable, near_miss = (
                DESIGN / f"answerable_{tag}.jsonl",
                DESIGN / f"near_miss_{tag}.jsonl",
            )
            found.append(handbook_corpus(name, answerable, near_miss))
    return found


def report(name: str, records: Sequence[dict[str, Any]]) -> str:
    """The corpus's figures under the shipped thresholds, then each lost item: why, the asked
    attribute (and whether the best window had it), the qualifiers missing, the question."""
    from evals.judges.readings import Thresholds

    limits = Thresholds()
    lines = [f"## {name}: {json.dumps(score(records, limits))}"]
    kinds: Counter[str] = Counter()
    for record in records:
        answered, right = decide(record, limits)
        why = loss(record, answered, right)
        if why is None:
            continue
        kinds[why] += 1
        check = record["answerability"] or {}
        found = "found" if check.get("attribute_found") else "not found"
        missing = ", ".join(check.get("missing", ())) or "-"
        lines.append(
            f"- {why} | {check.get('attribute', '-')} {found} | missing: {missing} | "
            f"{record['question']}"
        )
    lines.insert(1, "  " + ", ".join(f"{k}: {n}" for k, n in kinds.most_common()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from indexes.embeddings import load_embedder
    from ragtune.resources import quiet_libraries
    from ragtune.settings import BUNDLED_EMBED_MODEL, DEFAULT_EMBED_BACKEND

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True, help="indexes and answers")
    parser.add_argument(
        "--reuse", action="store_true", help="re-decide the recorded answers, do not ask again"
    )
    args = parser.parse_args(argv)
    quiet_libraries()
    embedder = load_embedder(BUNDLED_EMBED_MODEL, backend=DEFAULT_EMBED_BACKEND)
    for corpus in design_corpora():
        records, _ = recorded_answers(corpus, embedder, args.state_dir, reuse=args.reuse)
        print(report(corpus.name, records), end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
