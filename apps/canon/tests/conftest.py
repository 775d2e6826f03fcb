import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.canon import services
from apps.core.modules import access
from apps.core.testing import grant

CODE = "canon"


def unique(prefix: str = "prd") -> str:
    """A fresh PRD key: rows committed by the threaded tests stay (the canon keeps them)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def client_of(username: str, *actions: str) -> APIClient:
    """An API client signed in as a new user with these permissions on the canon (no password:
    hashing one costs a third of a second per test)."""
    user = get_user_model().objects.create_user(username)
    api = APIClient()
    api.force_authenticate(grant(user, CODE, *actions) if actions else user)
    return api


@pytest.fixture
def writer(db, highway):
    return client_of("writer", access.VIEW, access.WRITE)


@pytest.fixture
def reader(db, highway):
    return client_of("reader", access.VIEW)


@pytest.fixture
def stranger(db, highway):
    return client_of("stranger")


@pytest.fixture
def prd(db, highway):
    """A PRD archived twice: v1, then v2 superseding it."""
    key = unique()
    first = services.archive_prd_version(key, title="Onboarding", summary="First draft")
    second = services.archive_prd_version(key, title="Onboarding", summary="Second draft")
    return {"key": key, "v1": first, "v2": second}


def snapshot(note_id: str, title: str = "Why onboarding", body: str = "Because.") -> dict:
    """What the "l3.note" contract returns for a note."""
    return {
        "id": note_id,
        "title": title,
        "body": body,
        "tags": ["onboarding"],
        "source": "meeting",
        "created_at": "2026-12-01T10:00:00+00:00",
        "updated_at": "2026-12-02T10:00:00+00:00",
        "citations": [
            {"module": "cc", "kind": "log", "id": "7d1c0b5e-0000-4000-8000-000000000001"}
        ],
        "links": [{"type": "RELATES_TO", "to": "9a6f0c1e-0000-4000-8000-000000000002"}],
    }


@pytest.fixture
def notes(db, monkeypatch):
    """An L3 note provider, installed as the "l3.note" contract: a real function over a dict
    the test edits (the notes module itself is not part of this module's tests)."""
    store: dict[str, dict] = {}

    def note_snapshot(note_id: str) -> dict | None:
        found = store.get(note_id)
        return None if found is None else dict(found)

    def lookup(name: str):
        return note_snapshot if name == services.NOTE_CONTRACT else None

    monkeypatch.setattr(services, "contract", lookup)
    return store


@pytest.fixture
def every_table_has_a_row(db, highway, notes):
    key = unique()
    services.archive_prd_version(key, title="A")
    services.archive_trace(key, trigger="review")
    services.archive_link(f"canon:prd:{key}", "cc:log:1", "REFERENCES")
    notes["n1"] = {"id": "n1", "title": "N", "body": "B", "citations": []}
    services.archive_note("n1")
    services.record_verification()
