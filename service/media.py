"""How the service reads a request's Content-Type: one reading for the text check that parses
JSON bodies (service/text_input.py) and the hint a validation error gives (service/errors.py),
so the hint never tells a client to send what the check already took for JSON."""

from __future__ import annotations


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, lower-cased, without its parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    """Whether a body of this Content-Type is read as JSON (``application/json`` or any
    ``+json`` type, such as ``application/merge-patch+json``)."""
    kind = media_type(content_type)
    return kind == "application/json" or kind.endswith("+json")
