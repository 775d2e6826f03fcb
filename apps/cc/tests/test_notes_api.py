"""notes/: scratch notes with an expiry, cleaned up on a schedule."""

import asyncio
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.cc import services
from apps.cc.models import ScratchNote
from apps.core.schedule import jobs, run_periodic
from apps.core.testing import user_with_access

pytestmark = pytest.mark.django_db
URL = "/api/cc/notes/"


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(user_with_access("author", "cc", write=True))
    return client


def expire(note):
    ScratchNote.objects.filter(pk=note.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_a_new_note_lives_seven_days_unless_told_otherwise(api):
    body = api.post(
        URL, {"key": "plot.twist", "content": "The narrator lied."}, format="json"
    ).json()
    note = ScratchNote.objects.get(pk=body["id"])
    assert timedelta(days=6, hours=23) < note.expires_at - note.created_at <= timedelta(days=7)
    short = api.post(URL, {"key": "k", "content": "c", "ttl_seconds": 60}, format="json").json()
    note = ScratchNote.objects.get(pk=short["id"])
    assert note.expires_at - note.created_at == timedelta(seconds=60)


@pytest.mark.parametrize(
    ("data", "fields"),
    [({}, {"key", "content"}), ({"key": "k", "content": "c", "ttl_seconds": 0}, {"ttl_seconds"})],
)
def test_create_validation_names_each_field(api, data, fields):
    response = api.post(URL, data, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == fields


def test_read_update_and_delete_one_note(api):
    note = services.create_note(key="draft", content="v1")
    assert api.get(f"{URL}{note.pk}/").json()["content"] == "v1"
    assert api.patch(f"{URL}{note.pk}/", {"content": "v2"}, format="json").json()["content"] == "v2"
    assert api.delete(f"{URL}{note.pk}/").status_code == 204
    assert api.get(f"{URL}{note.pk}/").status_code == 404


def test_list_filters_by_key_prefix_and_hides_expired_notes_unless_asked(api):
    services.create_note(key="book1.ch1", content="a")
    services.create_note(key="book1.ch2", content="b")
    services.create_note(key="book2.ch1", content="c")
    expire(services.create_note(key="book1.old", content="d"))
    body = api.get(URL, {"key_prefix": "book1."}).json()
    assert body["count"] == 2 and {n["key"] for n in body["results"]} == {"book1.ch1", "book1.ch2"}
    everything = api.get(URL, {"key_prefix": "book1.", "include_expired": "true"}).json()
    assert everything["count"] == 3


@pytest.mark.parametrize("limit", ["0", "1001", "many"])
def test_limit_must_be_between_1_and_1000(api, limit):
    response = api.get(URL, {"limit": limit})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"limit"}


def test_limit_and_offset_page_the_list(api):
    for n in range(5):
        services.create_note(key=f"k{n}", content="x")
    page = api.get(URL, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2


def test_a_note_by_key_is_the_newest_unexpired_one(api):
    services.create_note(key="mood", content="old")
    services.create_note(key="mood", content="new")
    assert api.get(f"{URL}key/mood/").json()["content"] == "new"
    assert api.get(f"{URL}key/missing/").status_code == 404


def test_stats_count_active_and_expired(api):
    services.create_note(key="a", content="x")
    expire(services.create_note(key="b", content="y"))
    stats = api.get(f"{URL}stats/").json()
    assert (stats["total"], stats["active"], stats["expired"]) == (2, 1, 1)


def test_cleanup_deletes_only_expired_notes_in_batches(api):
    keep = services.create_note(key="keep", content="x")
    for n in range(5):
        expire(services.create_note(key=f"gone{n}", content="x"))
    assert services.clean_expired_notes(batch=2) == 5
    assert list(ScratchNote.objects.values_list("pk", flat=True)) == [keep.pk]
    assert api.post(f"{URL}cleanup/").json() == {"deleted": 0}


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_cleanup_on_a_schedule():
    expire(services.create_note(key="stale", content="x"))
    [job] = [j for j in jobs() if j.name == "cc.clean_expired_notes"]
    assert job.every == 3600

    def notes_left():
        try:
            return ScratchNote.objects.exists()
        finally:
            connection.close()  # this worker thread's own connection

    async def run_once():
        stopping = asyncio.Event()
        task = asyncio.create_task(run_periodic(stopping, [job]))
        for _ in range(100):
            if not await asyncio.to_thread(notes_left):
                break
            await asyncio.sleep(0.05)
        stopping.set()
        await task

    asyncio.run(run_once())
    assert not ScratchNote.objects.exists()
