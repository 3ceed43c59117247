"""What one record of a curated Q&A file may look like, and the pair it becomes.

``QARecord`` validates a JSONL line or CSV row as the user wrote it (pydantic, with messages a
curator can act on: "field 'answer' must be a string, got number"); ``QAPair`` is the internal
record every later check and the trainer work with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ragtune.errors import InputError
from ragtune.principal import check_name

DEFAULT_DOMAIN = "general"
KNOWN_FIELDS = frozenset(
    {"id", "question", "answer", "messages", "domain", "source", "groups"}
    # Review and provenance fields of records exported from feedback (training/feedback_export.py)
    # and of RAFT items (training/data/raft.py).
    | {"accepted", "accepted_by", "feedback_ids", "route", "cited", "raft"}
)


@dataclass(frozen=True)
class QAPair:
    """One question/answer pair ready for checks and training (internal record)."""

    id: str
    question: str
    answer: str
    line: int
    domain: str = DEFAULT_DOMAIN
    source: str | None = None
    groups: tuple[str, ...] = ()
    system: str | None = None
    history: tuple[tuple[str, str], ...] = ()  # earlier (role, content) turns of a chat record
    turn: int = 1


def type_name(value: object) -> str:
    """The JSON name of a value's type, for messages ("got number")."""
    if value is None:
        return "null"
    return {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "list",
        dict: "object",
    }.get(type(value), type(value).__name__)


def _require_text(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "wrong_type", "must be a string, got {got}", {"got": type_name(value)}
        )
    if not value.strip():
        raise PydanticCustomError("empty", "must not be empty")
    return value


class ChatMessage(BaseModel):
    """One turn of a chat-style record."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        if value not in ("system", "user", "assistant"):
            raise PydanticCustomError(
                "bad_role", "must be system, user or assistant, got {got}", {"got": repr(value)}
            )
        return value

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, value: object) -> str:
        return _require_text(value)


class QARecord(BaseModel):
    """One line of a curated Q&A file, as the user wrote it."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    question: str | None = None
    answer: str | None = None
    messages: list[ChatMessage] | None = None
    domain: str | None = None
    source: str | None = None
    groups: tuple[str, ...] = ()
    # False on records exported from feedback until a person accepts them: nothing enters
    # training data unreviewed. Absent (None) on hand-curated files.
    accepted: bool | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: object) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise PydanticCustomError(
                "wrong_type",
                "must be a string or an integer, got {got}",
                {"got": type_name(value)},
            )
        return str(value).strip()

    @field_validator("question", "answer", mode="before")
    @classmethod
    def _text(cls, value: object) -> str | None:
        return None if value is None else _require_text(value)

    @field_validator("domain", "source", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise PydanticCustomError(
                "wrong_type", "must be a string, got {got}", {"got": type_name(value)}
            )
        return value.strip()

    @field_validator("messages", mode="before")
    @classmethod
    def _messages(cls, value: object) -> object:
        if value is not None and not isinstance(value, list):
            raise PydanticCustomError(
                "wrong_type", "must be a list, got {got}", {"got": type_name(value)}
            )
        if value == []:
            raise PydanticCustomError("empty", "must not be empty")
        return value

    @field_validator("groups", mode="before")
    @classmethod
    def _groups(cls, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            names = [g.strip() for g in value.split(",")]
        elif isinstance(value, list) and all(isinstance(g, str) for g in value):
            names = [g.strip() for g in value]
        else:
            raise PydanticCustomError(
                "wrong_type",
                "must be a list of group names or a comma-separated string, got {got}",
                {"got": type_name(value)},
            )
        out: list[str] = []
        for name in names:
            if not name:
                continue
            try:
                check_name("group", name)
            except InputError as exc:
                raise PydanticCustomError("bad_group", "{msg}", {"msg": exc.message}) from None
            if name not in out:
                out.append(name)
        return tuple(out)

    @model_validator(mode="after")
    def _shape(self) -> QARecord:
        if self.accepted is False:
            raise PydanticCustomError(
                "not_accepted",
                "not accepted by a reviewer yet (run ragtune feedback accept, or drop the record)",
            )
        if self.messages is not None:
            if self.question is not None or self.answer is not None:
                raise PydanticCustomError(
                    "mixed", "give either question/answer or messages, not both"
                )
            _check_conversation(self.messages)
            return self
        missing = [n for n in ("question", "answer") if getattr(self, n) is None]
        if missing:
            raise PydanticCustomError(
                "missing",
                "missing field {names} (or give chat-style messages)",
                {"names": " and ".join(repr(n) for n in missing)},
            )
        return self


def _check_conversation(messages: list[ChatMessage]) -> None:
    """System first (optional), then user/assistant turns alternating, ending on assistant."""
    expected = "user"
    for i, msg in enumerate(messages):
        if msg.role == "system":
            if i != 0:
                raise PydanticCustomError(
                    "bad_turns", "messages[{i}]: a system message may only come first", {"i": i}
                )
            continue
        if msg.role != expected:
            raise PydanticCustomError(
                "bad_turns",
                "messages[{i}]: expected {expected} turn, got {got}",
                {
                    "i": i,
                    "expected": "a user" if expected == "user" else "an assistant",
                    "got": msg.role,
                },
            )
        expected = "assistant" if expected == "user" else "user"
    if expected == "assistant":
        raise PydanticCustomError(
            "bad_turns", "the last message is from the user; there is no answer to learn"
        )
    if not any(m.role == "assistant" for m in messages):
        raise PydanticCustomError("bad_turns", "no user/assistant exchange")


def format_errors(exc: ValidationError) -> str:
    """One line naming every problem of a record: "missing field 'answer'; ..."."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "missing" and loc:
            parts.append(f"missing field {loc!r}")
        elif err["type"] == "literal_error":
            parts.append(f"field {loc!r}: {err['msg'].lower()}")
        elif loc:
            parts.append(f"field {loc!r} {err['msg']}")
        else:
            parts.append(err["msg"])
    return "; ".join(parts)


def error_kind(exc: ValidationError) -> str:
    """A stable name for the main problem of a record (for tools and tests)."""
    kinds = {e["type"] for e in exc.errors()}
    for kind in (
        "not_accepted",
        "missing",
        "wrong_type",
        "empty",
        "bad_turns",
        "bad_role",
        "bad_group",
        "mixed",
    ):
        if kind in kinds:
            return "missing_field" if kind == "missing" else kind
    return "invalid"
