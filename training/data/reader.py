"""Read curated Q&A files (JSONL or CSV, plain or chat-style records) into validated pairs.

Every problem is reported with its line number and a reason instead of stopping at the first
one, so a curator can fix a whole file in one pass. Only problems with the file as a whole (not
UTF-8, an empty file, a CSV without question/answer columns) raise ``InputError``.

Chat-style records (``{"messages": [{"role", "content"}, ...]}``) become one pair per assistant
turn: the question is the user turn right before it. Turns after the first keep the earlier
exchange as ``history``, because a follow-up ("And on the S6?") means nothing on its own; the
trainer renders the history with the chat template and puts the loss on this answer only. A
leading system message is kept as ``system``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ragtune.errors import InputError
from training.data.records import (
    DEFAULT_DOMAIN,
    KNOWN_FIELDS,
    ChatMessage,
    QAPair,
    QARecord,
    error_kind,
    format_errors,
    type_name,
)

Format = Literal["jsonl", "csv"]


@dataclass(frozen=True)
class RecordIssue:
    """A problem with one line of the file; ``kind`` is a stable name for tests and tools."""

    line: int
    kind: str
    message: str
    record_id: str | None = None


@dataclass
class ReadResult:
    """What a file held: the valid pairs, per-line problems and counts."""

    format: Format
    pairs: list[QAPair] = field(default_factory=list)
    issues: list[RecordIssue] = field(default_factory=list)
    warnings: list[RecordIssue] = field(default_factory=list)
    records: int = 0
    chat_records: int = 0
    # Raw text fields of each valid record, keyed by line, for the PII scan.
    texts: dict[int, dict[str, str]] = field(default_factory=dict)
    record_ids: dict[int, str] = field(default_factory=dict)


def decode_utf8(path: Path) -> str:
    """The file's text; InputError naming the line and column when it is not UTF-8."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint="check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a Q&A file") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path} is UTF-16, not UTF-8", hint="save the file as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"{path} is not valid UTF-8: byte 0x{data[exc.start]:02x} at line {line}, "
            f"column {column}",
            hint="save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)",
        ) from None


def detect_format(path: Path, text: str) -> Format:
    """JSONL or CSV, from the file extension, else from the first character."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def read_qa_file(path: Path) -> ReadResult:
    """Read and validate every record of ``path``; see the module docstring for the rules."""
    text = decode_utf8(path)
    if not text.strip():
        raise InputError(f"{path} is empty", hint="add one question/answer record per line")
    fmt = detect_format(path, text)
    result = ReadResult(format=fmt)
    rows = _jsonl_rows(text, result) if fmt == "jsonl" else _csv_rows(path, text, result)
    seen_ids: dict[str, int] = {}
    for line, raw in rows:
        result.records += 1
        _add_record(line, raw, result, seen_ids)
    return result


def _jsonl_rows(text: str, result: ReadResult) -> Iterator[tuple[int, dict[str, Any]]]:
    def no_duplicate_keys(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate key {', '.join(repr(k) for k in dupes)}")
        return dict(items)

    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=no_duplicate_keys)
        except json.JSONDecodeError as exc:
            result.records += 1
            result.issues.append(
                RecordIssue(n, "malformed_json", f"malformed JSON: {exc.msg} (column {exc.colno})")
            )
            continue
        except ValueError as exc:
            result.records += 1
            result.issues.append(RecordIssue(n, "malformed_json", f"malformed JSON: {exc}"))
            continue
        if not isinstance(obj, dict):
            result.records += 1
            result.issues.append(
                RecordIssue(n, "wrong_type", f"expected a JSON object, got {type_name(obj)}")
            )
            continue
        yield n, obj


def _csv_rows(path: Path, text: str, result: ReadResult) -> Iterator[tuple[int, dict[str, Any]]]:
    dialect: type[csv.Dialect] = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the CSV header ({exc})") from None
    if "question" not in header or "answer" not in header:
        raise InputError(
            f"{path}: the CSV header needs 'question' and 'answer' columns; found {header}",
            hint="the first line names the columns: question,answer[,id,domain,source,groups]",
        )
    if "messages" in header:
        raise InputError(f"{path}: chat-style 'messages' records are read from JSONL, not CSV")
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            result.records += 1
            result.issues.append(RecordIssue(start, "malformed_csv", f"malformed CSV: {exc}"))
            continue
        end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            result.records += 1
            result.issues.append(
                RecordIssue(
                    start,
                    "malformed_csv",
                    f"row has {len(row)} fields, the header has {len(header)}",
                )
            )
            continue
        yield start, {k: (v if v.strip() else None) for k, v in zip(header, row, strict=True)}


def _add_record(line: int, raw: dict[str, Any], result: ReadResult, seen: dict[str, int]) -> None:
    raw_id = raw.get("id")
    shown_id = str(raw_id) if isinstance(raw_id, str | int) and raw_id != "" else None
    try:
        record = QARecord.model_validate(raw)
    except ValidationError as exc:
        result.issues.append(RecordIssue(line, error_kind(exc), format_errors(exc), shown_id))
        return
    unknown = sorted(set(raw) - KNOWN_FIELDS)
    if unknown:
        result.warnings.append(
            RecordIssue(line, "unknown_field", f"ignored unknown field(s) {unknown}", record.id)
        )
    if record.id is not None:
        if record.id in seen:
            result.issues.append(
                RecordIssue(
                    line,
                    "duplicate_id",
                    f"id {record.id!r} is already used on line {seen[record.id]}",
                    record.id,
                )
            )
            return
        seen[record.id] = line
    base_id = record.id or f"line-{line}"
    result.record_ids[line] = base_id
    common: dict[str, Any] = {
        "line": line,
        "domain": record.domain or DEFAULT_DOMAIN,
        "source": record.source,
        "groups": record.groups,
    }
    if record.messages is None:
        assert record.question is not None and record.answer is not None
        result.texts[line] = {"question": record.question, "answer": record.answer}
        q, a = record.question.strip(), record.answer.strip()
        result.pairs.append(QAPair(id=base_id, question=q, answer=a, **common))
        return
    result.chat_records += 1
    result.texts[line] = {f"messages[{i}]": m.content for i, m in enumerate(record.messages)}
    result.pairs.extend(_chat_pairs(base_id, record.messages, common))


def _chat_pairs(base_id: str, messages: list[ChatMessage], common: dict[str, Any]) -> list[QAPair]:
    system = messages[0].content.strip() if messages[0].role == "system" else None
    turns = [m for m in messages if m.role != "system"]
    exchanges = [
        (turns[i].content.strip(), turns[i + 1].content.strip()) for i in range(0, len(turns), 2)
    ]
    pairs = []
    history: list[tuple[str, str]] = []
    for n, (question, answer) in enumerate(exchanges, start=1):
        pair_id = base_id if len(exchanges) == 1 else f"{base_id}#{n}"
        pairs.append(
            QAPair(
                id=pair_id,
                question=question,
                answer=answer,
                system=system,
                history=tuple(history),
                turn=n,
                **common,
            )
        )
        history += [("user", question), ("assistant", answer)]
    return pairs
