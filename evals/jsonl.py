"""Line-numbered validation of JSONL files of pydantic records (suites, recorded answers).

Every problem is reported as ``name:line: problem``, all at once (up to a limit), so a user
fixes a file in one pass; ids must be unique.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ragtune.errors import InputError

MAX_REPORTED = 20


Record = TypeVar("Record", bound=BaseModel)


def describe_validation(error: ValidationError) -> list[str]:
    """Pydantic errors as short phrases: missing field, unknown field, or the message."""
    problems = []
    for err in error.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "missing":
            problems.append(f"missing field {where!r}")
        elif err["type"] == "extra_forbidden":
            problems.append(f"unknown field {where!r}")
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
    return problems


def parse_records(
    text: str,
    name: str,
    model: type[Record],
    describe: Callable[[ValidationError], list[str]] = describe_validation,
) -> tuple[list[Record], list[str]]:
    """The valid records of ``text`` (one JSON object a line, unique ``id``) and the problems."""
    records: list[Record] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{name}:{number}: malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{name}:{number}: expected a JSON object, got {type(data).__name__}")
            continue
        # The id is checked before the rest, so a repeated id is listed with the line's other
        # problems rather than only once they are fixed.
        raw_id = data.get("id")
        repeated = isinstance(raw_id, str) and raw_id in seen
        if repeated:
            problems.append(
                f"{name}:{number}: duplicate id {raw_id!r} (first on line {seen[str(raw_id)]})"
            )
        elif isinstance(raw_id, str):
            seen[raw_id] = number
        try:
            record = model.model_validate(data)
        except ValidationError as exc:
            problems += [f"{name}:{number}: {p}" for p in describe(exc)]
            continue
        if not repeated:
            records.append(record)
    return records, problems


def raise_problems(problems: list[str], what: str, hint: str) -> None:
    """InputError listing the first MAX_REPORTED problems, if there are any."""
    if not problems:
        return
    shown = problems[:MAX_REPORTED]
    more = len(problems) - len(shown)
    listing = "\n".join(shown) + (f"\n... and {more} more" if more else "")
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    raise InputError(f"Invalid {what} ({count}):\n{listing}", hint=hint)
