"""Who is asking: a principal (user + groups) that every read of document text runs as."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ragtune.errors import InputError

# Every document readable by all carries this group; every principal holds it.
EVERYONE = "everyone"
_NAME = re.compile(r"^[A-Za-z0-9_.@:-]{1,64}$")


def check_name(kind: str, value: str) -> str:
    """Return ``value`` if it is a valid user or group name, else raise InputError."""
    if not _NAME.match(value):
        raise InputError(
            f"Invalid {kind} name {value!r}",
            hint="use 1-64 letters, digits, '_', '.', '@', ':' or '-'",
        )
    return value


def parse_groups(text: str | None) -> frozenset[str]:
    """Parse a comma-separated group list ("hr,finance"); empty or None gives no groups."""
    if not text:
        return frozenset()
    return frozenset(check_name("group", g.strip()) for g in text.split(",") if g.strip())


@dataclass(frozen=True)
class Principal:
    """A caller: the database only returns chunks whose groups intersect ``effective_groups``."""

    user: str
    groups: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        check_name("user", self.user)
        for g in self.groups:
            check_name("group", g)

    @property
    def effective_groups(self) -> frozenset[str]:
        """The groups the database filter uses: the caller's, plus everyone and user:<name>."""
        return self.groups | {EVERYONE, f"user:{self.user}"}
