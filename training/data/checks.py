"""Check a curated Q&A file before training: validity, PII, duplicates, conflicts, leakage.

``check_data`` reads the file, decides for every pair whether it is kept or dropped (and why),
splits the kept pairs into train and validation, and returns the report with the pairs.
``ragtune data check`` prints the report; ``ragtune train`` runs the same check first and
refuses a file whose report is not ``ok``.

What makes a file fail (``ok`` is false): an invalid record, PII without ``allow_pii``,
conflicting answers to the same question, or too little data for a split. Duplicates,
over-budget answers, leakage into an eval suite and unknown fields are warnings: those pairs are
dropped (never truncated) and the report says which and why.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from tqdm import tqdm

from indexes.embeddings import Embedder
from ragtune.errors import InputError
from training.data.dedup import find_duplicates, question_matches
from training.data.leakage import SuiteQuestion, find_leaks, read_suite
from training.data.pii import iter_pii, redact
from training.data.reader import ReadResult, read_qa_file
from training.data.records import QAPair
from training.data.report import (
    ConflictFinding,
    Counts,
    DataCheckReport,
    DroppedPair,
    DropReason,
    DuplicateFinding,
    Issue,
    LeakageFinding,
    PiiFinding,
    SplitReport,
    TokenReport,
    length_stats,
)
from training.data.similarity import MinHasher, embed_all
from training.data.splits import split_pairs


@dataclass(frozen=True)
class DataCheckOptions:
    """Thresholds and switches of a data check (the CLI fills these from settings and flags)."""

    max_answer_tokens: int = 256
    near_duplicate_threshold: float = 0.9
    # Two answers to the same question agree when they are at least this similar (and share
    # key tokens and polarity); otherwise the pair is a conflict.
    answer_agreement_threshold: float = 0.85
    minhash: bool = False
    minhash_threshold: float = 0.8
    allow_pii: bool = False
    validation_fraction: float = 0.1
    seed: int = 42
    min_split_pairs: int = 10

    def validate(self) -> None:
        """Raise InputError naming the first out-of-range option."""
        if self.max_answer_tokens < 1:
            raise InputError(f"max answer tokens must be positive, got {self.max_answer_tokens}")
        if not 0 < self.validation_fraction < 1:
            raise InputError(
                f"validation fraction must be between 0 and 1, got {self.validation_fraction}"
            )
        for name in ("near_duplicate_threshold", "answer_agreement_threshold", "minhash_threshold"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise InputError(f"{name.replace('_', ' ')} must be in (0, 1], got {value}")


@dataclass
class DataCheck:
    """The report plus the pairs themselves, for the trainer."""

    report: DataCheckReport
    train: list[QAPair] = field(default_factory=list)
    validation: list[QAPair] = field(default_factory=list)


def _prompt_text(pair: QAPair) -> str:
    """What identifies a question: for a chat follow-up, the conversation before it too."""
    return "\n".join([*(content for _, content in pair.history), pair.question])


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Checker:
    """One run of the check: the steps in order, and the issues and drops they record."""

    def __init__(
        self,
        embedder: Embedder,
        options: DataCheckOptions,
        count_tokens: Callable[[str], int],
        progress: bool,
    ) -> None:
        self.embedder = embedder
        self.options = options
        self.count_tokens = count_tokens
        self.progress = progress
        self.issues: list[Issue] = []
        self.dropped: list[DroppedPair] = []
        self.dropped_ids: set[str] = set()
        self.minhash = MinHasher() if options.minhash else None

    def issue(
        self,
        severity: Literal["error", "warning"],
        kind: str,
        message: str,
        line: int | None,
        record: str | None,
    ) -> None:
        self.issues.append(
            Issue(severity=severity, kind=kind, message=message, line=line, record=record)
        )

    def drop(self, pair: QAPair, reason: DropReason, detail: str) -> None:
        if pair.id not in self.dropped_ids:
            self.dropped_ids.add(pair.id)
            self.dropped.append(
                DroppedPair(line=pair.line, record=pair.id, reason=reason, detail=detail)
            )

    def kept(self, pairs: Sequence[QAPair]) -> list[QAPair]:
        return [p for p in pairs if p.id not in self.dropped_ids]

    def embed(self, texts: Sequence[str], what: str) -> np.ndarray:
        with tqdm(
            total=len(texts),
            desc=f"embedding {what}",
            unit="text",
            disable=not self.progress,
            leave=False,
        ) as bar:
            return embed_all(self.embedder, texts, bar.update)

    def invalid_records(self, read: ReadResult) -> None:
        for bad in read.issues:
            self.issue("error", bad.kind, bad.message, bad.line, bad.record_id)
            self.dropped.append(
                DroppedPair(
                    line=bad.line, record=bad.record_id, reason="invalid", detail=bad.message
                )
            )
        for warn in read.warnings:
            self.issue("warning", warn.kind, warn.message, warn.line, warn.record_id)

    def pii(self, read: ReadResult) -> list[PiiFinding]:
        allowed = self.options.allow_pii
        findings = [
            PiiFinding(
                line=line,
                record=read.record_ids.get(line),
                field=name,
                kind=found.kind,
                detail=found.detail,
                masked=found.masked,
                allowed=allowed,
            )
            for line in sorted(read.texts)
            for name, found in iter_pii(read.texts[line])
        ]
        for f in findings:
            hint = "" if allowed else " (use --allow-pii to keep it)"
            message = f"{f.detail} in {f.field}: {f.masked}{hint}"
            self.issue("warning" if allowed else "error", "pii", message, f.line, f.record)
        if not allowed:
            kinds: dict[int, set[str]] = {}
            for f in findings:
                kinds.setdefault(f.line, set()).add(f.kind)
            for pair in read.pairs:
                if pair.line in kinds:
                    self.drop(pair, "pii", f"contains {', '.join(sorted(kinds[pair.line]))}")
        return findings

    def tokens(self, pairs: Sequence[QAPair], tokenizer: str) -> TokenReport:
        budget = self.options.max_answer_tokens
        q_tokens, a_tokens, over = [], [], 0
        for pair in pairs:
            q_tokens.append(self.count_tokens(_prompt_text(pair)))
            n = self.count_tokens(pair.answer)
            a_tokens.append(n)
            if n > budget and pair.id not in self.dropped_ids:
                over += 1
                msg = f"answer has {n} tokens, over the budget of {budget}; dropped, not truncated"
                self.issue("warning", "over_budget", msg, pair.line, pair.id)
                self.drop(pair, "over_budget", f"{n} answer tokens > {budget}")
        return TokenReport(
            tokenizer=tokenizer,
            max_answer_tokens=budget,
            over_budget=over,
            question=length_stats(q_tokens),
            answer=length_stats(a_tokens),
        )

    def duplicates(
        self, pairs: list[QAPair], vectors: np.ndarray
    ) -> tuple[list[DuplicateFinding], list[ConflictFinding]]:
        questions = [_prompt_text(p) for p in pairs]
        matches = question_matches(
            questions,
            vectors,
            threshold=self.options.near_duplicate_threshold,
            minhash=self.minhash,
            minhash_threshold=self.options.minhash_threshold,
        )
        dupes, conflicts = find_duplicates(
            questions,
            [p.answer for p in pairs],
            matches,
            lambda texts: self.embed(texts, "answers"),
            answer_threshold=self.options.answer_agreement_threshold,
        )
        dupe_findings = []
        for d in dupes:
            pair, first = pairs[d.index], pairs[d.of]
            kind: Literal["exact", "near"] = "exact" if d.exact else "near"
            dupe_findings.append(
                DuplicateFinding(
                    kind=kind,
                    line=pair.line,
                    record=pair.id,
                    duplicate_of_line=first.line,
                    duplicate_of=first.id,
                    method=d.method,
                    similarity=round(d.similarity, 4),
                )
            )
            self.issue(
                "warning",
                f"{kind}_duplicate",
                f"{'duplicate' if d.exact else 'near-duplicate'} of line {first.line} "
                f"({first.id}, {d.method} similarity {d.similarity:.3f}); dropped",
                pair.line,
                pair.id,
            )
            reason: DropReason = "exact_duplicate" if d.exact else "near_duplicate"
            self.drop(pair, reason, f"same as line {first.line} ({first.id})")
        conflict_findings = []
        for c in conflicts:
            members = [pairs[m] for m in c.members]
            lines = [p.line for p in members]
            conflict_findings.append(
                ConflictFinding(
                    lines=lines,
                    records=[p.id for p in members],
                    question=_short(members[0].question),
                    similarity=round(c.similarity, 4),
                )
            )
            where = ", ".join(f"line {n}" for n in lines)
            for pair in members:
                self.issue(
                    "error",
                    "conflict",
                    f"conflicting answers to the same question ({where}); "
                    "keep one answer or make the questions distinct",
                    pair.line,
                    pair.id,
                )
                others = ", ".join(str(n) for n in lines if n != pair.line)
                self.drop(pair, "conflict", f"contradicts line(s) {others}")
        return dupe_findings, conflict_findings

    def leakage(
        self, pairs: list[QAPair], vectors: np.ndarray, suites: list[SuiteQuestion]
    ) -> list[LeakageFinding]:
        if not suites:
            return []
        remaining = [i for i, p in enumerate(pairs) if p.id not in self.dropped_ids]
        leaks = find_leaks(
            [pairs[i].question for i in remaining],
            vectors[remaining],
            suites,
            self.embedder,
            threshold=self.options.near_duplicate_threshold,
            minhash=self.minhash,
            minhash_threshold=self.options.minhash_threshold,
        )
        findings = []
        for leak in leaks:
            pair, sq = pairs[remaining[leak.index]], leak.suite_question
            findings.append(
                LeakageFinding(
                    line=pair.line,
                    record=pair.id,
                    suite=sq.suite,
                    suite_line=sq.line,
                    method=leak.method,
                    similarity=round(leak.similarity, 4),
                )
            )
            self.issue(
                "warning",
                "leakage",
                f"question is asked by eval suite {sq.suite} line {sq.line} "
                f"({leak.method} similarity {leak.similarity:.3f}); kept out of training",
                pair.line,
                pair.id,
            )
            self.drop(pair, "leakage", f"in eval suite {sq.suite} line {sq.line}")
        return findings

    def split(self, kept: list[QAPair]) -> tuple[SplitReport | None, list[QAPair], list[QAPair]]:
        try:
            split = split_pairs(
                kept,
                validation_fraction=self.options.validation_fraction,
                seed=self.options.seed,
                min_pairs=self.options.min_split_pairs,
            )
        except InputError as exc:
            self.issue("error", "split", exc.message, None, None)
            return None, [], []
        report = SplitReport(
            seed=split.seed,
            validation_fraction=split.validation_fraction,
            train=len(split.train),
            validation=len(split.validation),
            by_domain=split.by_domain,
            train_ids=[p.id for p in split.train],
            validation_ids=[p.id for p in split.validation],
        )
        return report, split.train, split.validation


def check_data(
    path: Path,
    embedder: Embedder,
    options: DataCheckOptions | None = None,
    *,
    eval_suites: Sequence[Path] = (),
    count_tokens: Callable[[str], int] | None = None,
    tokenizer_name: str | None = None,
    progress: bool = False,
) -> DataCheck:
    """Check the Q&A file ``path`` and split its usable pairs (see the module docstring).

    ``count_tokens`` measures answers against the budget; it defaults to the embedder's
    tokenizer (pass the base model's to budget in its tokens). Raises InputError only for
    problems with the file as a whole (missing, not UTF-8, empty), a bad eval suite or an
    out-of-range option.
    """
    started = time.perf_counter()
    options = options or DataCheckOptions()
    options.validate()
    suites = [q for suite in eval_suites for q in read_suite(suite)]
    read = read_qa_file(path)
    checker = _Checker(embedder, options, count_tokens or embedder.count_tokens, progress)

    checker.invalid_records(read)
    pii = checker.pii(read)
    tokens = checker.tokens(read.pairs, tokenizer_name or embedder.name)
    candidates = checker.kept(read.pairs)
    vectors = checker.embed([_prompt_text(p) for p in candidates], "questions")
    duplicates, conflicts = checker.duplicates(candidates, vectors)
    leakage = checker.leakage(candidates, vectors, suites)
    kept = checker.kept(candidates)
    split, train, validation = checker.split(kept)

    by_reason = Counter(d.reason for d in checker.dropped)
    report = DataCheckReport(
        file=str(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        format=read.format,
        ok=not any(i.severity == "error" for i in checker.issues),
        seconds=round(time.perf_counter() - started, 3),
        options=asdict(options),
        eval_suites=[str(s) for s in eval_suites],
        counts=Counts(
            records=read.records,
            chat_records=read.chat_records,
            invalid=len(read.issues),
            pairs=len(read.pairs),
            pii_findings=len(pii),
            over_budget=tokens.over_budget,
            exact_duplicates=sum(d.kind == "exact" for d in duplicates),
            near_duplicates=sum(d.kind == "near" for d in duplicates),
            conflicts=len(conflicts),
            leaked=len(leakage),
            dropped=len(checker.dropped),
            kept=len(kept),
            train=len(train),
            validation=len(validation),
        ),
        domains=dict(sorted(Counter(p.domain for p in kept).items())),
        groups=dict(sorted(Counter(g for p in kept for g in p.groups or ("",)).items())),
        issues=sorted(checker.issues, key=lambda i: (i.line is None, i.line or 0)),
        duplicates=duplicates,
        conflicts=conflicts,
        pii=pii,
        leakage=leakage,
        tokens=tokens,
        dropped=sorted(checker.dropped, key=lambda d: (d.line, d.record or "")),
        dropped_by_reason=dict(sorted(by_reason.items())),
        split=split,
    )
    return DataCheck(report, train, validation)
