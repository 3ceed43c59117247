"""Employees' ratings as a review queue, and the curated records a reviewer accepts from it.

A down-rated answer whose rater wrote a correction becomes a candidate Q&A pair (the question
and the correction) and an eval item; an up-rated grounded answer becomes a regression item
(its answer and its cited sources are what a good answer looks like). Q&A records are written
with ``accepted: false``: ``ragtune data check`` refuses them until a person runs ``ragtune
feedback accept`` on them, so nothing reaches training data unreviewed.

Who may learn from a record: a record is restricted to the groups that could read everything
it came from. Each cited restricted document contributes its groups, and so does the rater when
they wrote a correction while holding restricted groups (the correction may repeat what they
read); the record's groups are the intersection of those sets. When no group could read all of
it, the record is not exported at all. Adapters trained on restricted records are usable only by
the groups every such record shares (training/manifest.py), so feedback cannot carry
restricted text to other groups.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from indexes.database import Database
from indexes.feedback import RatedAnswer, Rating, cited_chunks, rated_answers
from ragtune.errors import InputError
from ragtune.principal import EVERYONE

ExportKind = Literal["qa", "suite"]
FEEDBACK_DOMAIN = "feedback"
_GROUNDED = ("rag", "both")


@dataclass(frozen=True)
class ReviewItem:
    """One rated answer as a reviewer sees it."""

    feedback_id: str
    rating: Rating
    comment: str
    user: str
    groups: list[str]  # the rater's groups (their live API keys) when exported
    thread_id: str
    message_id: str | None
    created_at: str
    question: str | None
    answer: str | None
    route: str | None
    citations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _answer_text(output: str) -> str:
    """The answer without the chat's "*Route: ...*" header line."""
    if output.startswith("*Route:") and "\n\n" in output:
        return output.split("\n\n", 1)[1].strip()
    return output.strip()


def _item(rated: RatedAnswer) -> ReviewItem:
    f, step = rated.feedback, rated.step or {}
    meta = dict(step.get("metadata") or {})
    output = step.get("output")
    return ReviewItem(
        feedback_id=f.id,
        rating=f.rating,
        comment=f.comment,
        user=f.user,
        groups=list(rated.key_groups),
        thread_id=f.thread_id,
        message_id=f.message_id,
        created_at=f.created_at.isoformat(),
        question=rated.question,
        answer=_answer_text(output) if isinstance(output, str) else None,
        route=meta.get("route"),
        citations=[dict(c) for c in meta.get("citations") or []],
    )


def review_queue(
    db: Database,
    *,
    rating: Rating | None = None,
    since: datetime | None = None,
    route: str | None = None,
) -> list[ReviewItem]:
    """Rated answers, newest first, filtered by rating, date and route."""
    items = [_item(r) for r in rated_answers(db, rating=rating, since=since)]
    return [i for i in items if route is None or i.route == route]


def restriction(
    doc_groups: Iterable[Iterable[str]], rater_groups: Iterable[str], *, corrected: bool
) -> tuple[list[str], str | None]:
    """The groups a record is restricted to (``[]``: public) and why it cannot be exported
    (None when it can): the intersection of every restricted source's groups."""
    constraints = [set(g) for g in doc_groups if EVERYONE not in set(g)]
    private = set(rater_groups) - {EVERYONE}
    if corrected and private:
        constraints.append(private)
    if not constraints:
        return [], None
    shared = set.intersection(*constraints)
    if not shared:
        return [], (
            "it draws on documents or a rater restricted to different groups "
            f"({' / '.join(','.join(sorted(c)) for c in constraints)}); no group may read all of it"
        )
    return sorted(shared), None


@dataclass
class Export:
    """The records written and the rated answers left out, with the reason."""

    records: list[dict[str, Any]]
    skipped: list[tuple[str, str]]  # (feedback id, reason)


def _record_id(feedback_id: str) -> str:
    return "fb-" + hashlib.sha256(feedback_id.encode()).hexdigest()[:12]


def _cited(item: ReviewItem, chunks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in item.citations:
        found = chunks.get(str(c.get("chunk_id")))
        if found is not None:
            out.append({"n": c.get("n"), "chunk_id": c.get("chunk_id"), **found})
    return out


def _qa(item: ReviewItem, cited: list[dict[str, Any]], groups: list[str]) -> dict[str, Any]:
    return {
        "id": _record_id(item.feedback_id),
        "question": item.question,
        "answer": item.comment.strip(),
        "domain": FEEDBACK_DOMAIN,
        "source": cited[0]["source"] if cited else None,
        "groups": groups,
        "accepted": False,
        "feedback_ids": [item.feedback_id],
        "route": item.route,
        "cited": [{k: c[k] for k in ("n", "source", "section", "page")} for c in cited],
    }


def _suite_item(
    item: ReviewItem, cited: list[dict[str, Any]], groups: list[str], reference: str
) -> dict[str, Any]:
    gold = []
    for c in cited:
        ref = {"source": c["source"], "section": c["section"] or None}
        if ref not in gold:
            gold.append(ref)
    route = item.route if item.route in ("rag", "adapter", "both") else "rag"
    return {
        "id": _record_id(item.feedback_id),
        "question": item.question,
        "reference_answer": reference,
        "gold_citations": gold,
        "expected_route": route,
        "answerable": True,
        "user": "feedback-eval",
        "groups": groups,
        "tags": ["feedback", f"feedback:{item.feedback_id}", f"rating:{item.rating}"],
    }


def build_export(db: Database, items: list[ReviewItem], kind: ExportKind) -> Export:
    """Q&A records (down-rated answers with a correction) or suite items (those, plus up-rated
    grounded answers as regression items), each restricted as the module explains."""
    chunks = cited_chunks(db, [str(c.get("chunk_id")) for i in items for c in i.citations])
    records: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    for item in items:
        corrected = item.rating == "down" and bool(item.comment.strip())
        if not item.question:
            why = "the rated answer was not kept with this rating (an API rating from before)"
            skipped.append((item.feedback_id, why))
            continue
        if kind == "qa" and not corrected:
            skipped.append((item.feedback_id, "only down-ratings with a correction become pairs"))
            continue
        grounded_up = item.rating == "up" and item.route in _GROUNDED and item.citations
        if kind == "suite" and not (corrected or grounded_up):
            skipped.append((item.feedback_id, "neither a correction nor a cited, liked answer"))
            continue
        cited = _cited(item, chunks)
        groups, refused = restriction(
            [c["groups"] for c in cited], item.groups, corrected=corrected
        )
        if refused is not None:
            skipped.append((item.feedback_id, refused))
            continue
        if kind == "qa":
            records.append(_qa(item, cited, groups))
        else:
            reference = item.comment.strip() if corrected else (item.answer or "")
            records.append(_suite_item(item, cited, groups, reference))
    return Export(records, skipped)


def write_jsonl(records: list[dict[str, Any]], out: Path) -> None:
    """Write records one JSON object a line (atomically: a temporary file, then a rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    tmp.replace(out)


def accept_records(path: Path, *, reviewer: str, ids: list[str] | None = None) -> tuple[int, int]:
    """Mark records of an exported file accepted by ``reviewer`` (all, or those ``ids``);
    returns (accepted now, still unaccepted). Unknown ids are an InputError."""
    if not reviewer.strip():
        raise InputError("Name the reviewer who accepts the records", hint="pass --reviewer")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    records = [json.loads(ln) for ln in lines]
    wanted = set(ids) if ids else None
    if wanted is not None:
        unknown = wanted - {str(r.get("id")) for r in records}
        if unknown:
            raise InputError(f"No record with id {', '.join(sorted(unknown))} in {path}")
    done = 0
    for r in records:
        if r.get("accepted") is False and (wanted is None or str(r.get("id")) in wanted):
            r["accepted"] = True
            r["accepted_by"] = reviewer
            done += 1
    write_jsonl(records, path)
    return done, sum(1 for r in records if r.get("accepted") is False)
