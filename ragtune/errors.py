"""The ragtune error hierarchy: every error carries a user-facing message and a hint.

The CLI prints ``message`` and ``hint`` and exits non-zero; the service maps the class to an
HTTP status. Library code raises these instead of leaking driver or framework exceptions.
"""

from __future__ import annotations


class RagtuneError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(RagtuneError):
    """A setting is missing or invalid."""

    exit_code = 2
    http_status = 500


class DatabaseError(RagtuneError):
    """The database is unreachable, misconfigured, or lacks a required feature."""

    exit_code = 3
    http_status = 503


class InputError(RagtuneError):
    """The caller sent something malformed (file, query, argument)."""

    exit_code = 2
    http_status = 400


class NotFoundError(RagtuneError):
    """A named thing (document, collection, model, adapter) does not exist."""

    exit_code = 4
    http_status = 404


class PermissionDeniedError(RagtuneError):
    """The caller's principal may not do or see this."""

    exit_code = 5
    http_status = 403


class ModelMismatchError(RagtuneError):
    """A stored index or adapter was built with a different model than the one configured."""

    exit_code = 6
    http_status = 409


class ModelLoadError(RagtuneError):
    """A model could not be found or loaded."""

    exit_code = 7
    http_status = 503
