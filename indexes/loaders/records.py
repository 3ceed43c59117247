"""CSV, JSON and JSON Lines files: one block per record, each a span labelled by the record.

A question/answer record (a field whose whole value is one question, next to other fields) is
read as a record, not as prose: the question becomes the record's label, which chunking keeps
as the chunk's section (so search still matches and embeds it), and only the other fields
become the record's text. A question is therefore never quoted as an answer, and the answer
field can be quoted on its own. Prose values (several words) are written without their key, so
a quote reads "E-214 is a lidar occlusion ..." rather than "answer: E-214 ...".
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from indexes.loaders.document import LoadedDocument, LoadError, join_blocks


def _flatten(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        out: list[str] = []
        for key, item in value.items():
            out += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [f"{prefix}: {', '.join(str(v) for v in value)}"]
        out = []
        for i, item in enumerate(value):
            out += _flatten(item, f"{prefix}[{i}]")
        return out
    return [f"{prefix}: {value}" if prefix else str(value)]


_LABEL_KEYS = ("title", "name", "question", "id", "sku", "model")
# Records nest a few levels; a file nested hundreds deep is an attack on the recursive
# flattening (and on the parser's stack), not a document.
MAX_DEPTH = 64


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, measured without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _parse(text: str, path: Path, where: str) -> Any:
    """One JSON value, refused with a LoadError when invalid or nested too deeply."""
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise LoadError(
            f"{path}: {where}is nested too deeply (more than {MAX_DEPTH} levels)",
            hint="flatten the records",
        ) from exc
    if _depth(value) > MAX_DEPTH:
        raise LoadError(
            f"{path}: {where}is nested more than {MAX_DEPTH} levels deep",
            hint="flatten the records",
        )
    return value


# A value of at least this many words is prose: written without its key.
_PROSE_WORDS = 6
_QUESTION_LABEL_CHARS = 300


def _is_question(value: Any) -> bool:
    """A string that is one question (ends with "?")."""
    return isinstance(value, str) and value.strip().endswith("?") and "\n" not in value.strip()


def _record_lines(record: dict[str, Any]) -> list[str]:
    """A record's fields as lines: prose bare, everything else ``key: value``."""
    lines: list[str] = []
    for key, value in record.items():
        if isinstance(value, str) and len(value.split()) >= _PROSE_WORDS:
            lines.append(value.strip())
        else:
            lines += _flatten(value, str(key))
    return lines


def _split_question(record: Any) -> tuple[str | None, Any]:
    """The record's question (when one field is a question and others remain) and the rest."""
    if not isinstance(record, dict):
        return None, record
    asking = [key for key, value in record.items() if _is_question(value)]
    rest = {key: value for key, value in record.items() if key not in asking}
    if len(asking) != 1 or not rest:
        return None, record
    return " ".join(str(record[asking[0]]).split())[:_QUESTION_LABEL_CHARS], rest


def _records_document(
    records: list[tuple[int, Any]], title: str, fmt: str, unit: str
) -> LoadedDocument:
    blocks: list[tuple[str, str, int | None]] = []
    for number, whole in records:
        question, record = _split_question(whole)
        if question is not None:
            body = "\n".join(_record_lines(record))
        else:
            body = "\n".join(_flatten(record))
        if not body.strip():
            continue
        label = f"{unit} {number}"
        if question is not None:
            label = f"{label}: {question}"
        elif isinstance(record, dict):
            for key in _LABEL_KEYS:
                if isinstance(record.get(key), str | int) and str(record[key]).strip():
                    label = f"{label}: {str(record[key]).strip()[:80]}"
                    break
        blocks.append((body, label, None))
    text, spans = join_blocks(blocks)
    return LoadedDocument(text, title, fmt, "records", spans)


def load_csv(text: str, path: Path) -> LoadedDocument:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or any(not (f or "").strip() for f in reader.fieldnames):
        raise LoadError(f"{path}: CSV needs a header row naming every column")
    repeated = sorted({f for f in reader.fieldnames if reader.fieldnames.count(f) > 1})
    if repeated:
        # DictReader would keep only the last of the same-named columns, losing the others.
        raise LoadError(
            f"{path}: CSV header repeats column {', '.join(repeated)}",
            hint="give every column a unique name",
        )
    rows: list[tuple[int, Any]] = []
    for row in reader:
        if None in row:
            raise LoadError(
                f"{path}: line {reader.line_num} has more fields than the header",
                hint="quote values that contain the delimiter",
            )
        rows.append((reader.line_num, {k: v for k, v in row.items() if v not in (None, "")}))
    return _records_document(rows, path.stem, "csv", "Row")


def load_json(text: str, path: Path, *, lines: bool) -> LoadedDocument:
    records: list[tuple[int, Any]] = []
    if lines:
        # Split on "\n" only: str.splitlines() also breaks at U+2028 and friends, which JSON
        # allows unescaped inside strings.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                records.append((number, _parse(line, path, f"line {number} ")))
            except json.JSONDecodeError as exc:
                raise LoadError(
                    f"{path}: line {number} is not valid JSON ({exc.msg} at column {exc.colno})",
                    hint="fix or remove that line; every line must be one JSON value",
                ) from exc
        return _records_document(records, path.stem, "jsonl", "Line")
    try:
        data = _parse(text, path, "")
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v]
        data = lists[0] if len(lists) == 1 else [data]
    if not isinstance(data, list):
        data = [data]
    return _records_document(list(enumerate(data, start=1)), path.stem, "json", "Record")
