"""What zk's services refuse; the API answers each in core's error shape."""

from __future__ import annotations

from typing import Any


class ZkError(Exception):
    """Base of zk's refusals."""


class InvalidInput(ZkError):
    """400: `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


class NotFound(ZkError):
    """404: a note, link, module or L1 record that does not exist."""


class Forbidden(ZkError):
    """403: the caller may not read what it asks for (another module's L1)."""


class Duplicate(ZkError):
    """409: the link already exists."""
