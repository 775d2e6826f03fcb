"""The canon's refusals, each an API error in core's one shape (apps.core.rest.errors)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from apps.core.rest.errors import Conflict

# The SQLSTATE the database's triggers raise (migrations/0002_tables_and_triggers.py).
IMMUTABLE_SQLSTATE = "CN001"


class AlreadyArchived(Conflict):
    """409: the same content is already the latest archived version."""

    default_detail = _("Already archived: the canon holds this exact content.")  # type: ignore[assignment]
    default_code = "already_archived"


class NotInCanon(exceptions.NotFound):
    """404: what is to be archived, or pointed at, does not exist."""


class NoNoteProvider(exceptions.APIException):
    """400: no installed module provides the L3 notes (contract "l3.note"). Not a 503: waiting
    will not help, installing the notes module will."""

    status_code = 400
    default_detail = _(
        "No installed module provides L3 notes (contract 'l3.note'): install the notes "
        "module to archive notes."
    )
    default_code = "no_note_provider"


class Immutable(exceptions.APIException):
    """405: the canon is append-only; the database refused a change (SQLSTATE CN001)."""

    status_code = 405
    default_detail = _(
        "The canon is append-only: its records cannot be changed or deleted. Archive a new "
        "version instead."
    )
    default_code = "immutable"


def is_immutable_refusal(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is the triggers' CN001."""
    while exc is not None:
        if getattr(exc, "sqlstate", None) == IMMUTABLE_SQLSTATE:
            return True
        exc = exc.__cause__  # type: ignore[assignment]
    return False


@contextmanager
def immutable_as_api_error() -> Iterator[None]:
    """The database's refusal to change a canon row as a 405, never a 500."""
    try:
        yield
    except DatabaseError as exc:
        if is_immutable_refusal(exc):
            raise Immutable() from exc
        raise
