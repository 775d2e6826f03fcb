"""notes/: scratch notes with an expiry, cleaned up on a schedule."""

import asyncio
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.memory import notes
from apps.core.runtime.schedule import jobs, run_periodic

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(api_root):
    return f"{api_root}/notes/"


@pytest.fixture
def create(memory_module):
    """A note of the module, written through the kit's service."""

    def create(**fields):
        return notes.create_note(memory_module, **fields)

    return create


@pytest.fixture
def expire(memory):
    def expire(note):
        memory.scratch_note.objects.filter(pk=note.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

    return expire


def test_a_new_note_lives_seven_days_unless_told_otherwise(api, url, memory):
    body = api.post(
        url, {"key": "plot.twist", "content": "The narrator lied."}, format="json"
    ).json()
    note = memory.scratch_note.objects.get(pk=body["id"])
    assert timedelta(days=6, hours=23) < note.expires_at - note.created_at <= timedelta(days=7)
    short = api.post(url, {"key": "k", "content": "c", "ttl_seconds": 60}, format="json").json()
    note = memory.scratch_note.objects.get(pk=short["id"])
    assert note.expires_at - note.created_at == timedelta(seconds=60)


@pytest.mark.parametrize(
    ("data", "fields"),
    [({}, {"key", "content"}), ({"key": "k", "content": "c", "ttl_seconds": 0}, {"ttl_seconds"})],
)
def test_create_validation_names_each_field(api, url, data, fields):
    response = api.post(url, data, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == fields


def test_read_update_and_delete_one_note(api, url, create):
    note = create(key="draft", content="v1")
    assert api.get(f"{url}{note.pk}/").json()["content"] == "v1"
    assert api.patch(f"{url}{note.pk}/", {"content": "v2"}, format="json").json()["content"] == "v2"
    assert api.delete(f"{url}{note.pk}/").status_code == 204
    assert api.get(f"{url}{note.pk}/").status_code == 404


def test_list_filters_by_key_prefix_and_hides_expired_notes_unless_asked(api, url, create, expire):
    create(key="book1.ch1", content="a")
    create(key="book1.ch2", content="b")
    create(key="book2.ch1", content="c")
    expire(create(key="book1.old", content="d"))
    body = api.get(url, {"key_prefix": "book1."}).json()
    assert body["count"] == 2 and {n["key"] for n in body["results"]} == {"book1.ch1", "book1.ch2"}
    everything = api.get(url, {"key_prefix": "book1.", "include_expired": "true"}).json()
    assert everything["count"] == 3


@pytest.mark.parametrize("limit", ["0", "1001", "many"])
def test_limit_must_be_between_1_and_1000(api, url, limit):
    response = api.get(url, {"limit": limit})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"limit"}


def test_limit_and_offset_page_the_list(api, url, create):
    for n in range(5):
        create(key=f"k{n}", content="x")
    page = api.get(url, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2


def test_a_note_by_key_is_the_newest_unexpired_one(api, url, create):
    create(key="mood", content="old")
    create(key="mood", content="new")
    assert api.get(f"{url}key/mood/").json()["content"] == "new"
    assert api.get(f"{url}key/missing/").status_code == 404


def test_stats_count_active_and_expired(api, url, create, expire):
    create(key="a", content="x")
    expire(create(key="b", content="y"))
    stats = api.get(f"{url}stats/").json()
    assert (stats["total"], stats["active"], stats["expired"]) == (2, 1, 1)


def test_cleanup_deletes_only_expired_notes_in_batches(
    api, url, create, expire, memory_module, memory
):
    keep = create(key="keep", content="x")
    for n in range(5):
        expire(create(key=f"gone{n}", content="x"))
    assert notes.clean_expired_notes(memory_module, batch=2) == 5
    assert list(memory.scratch_note.objects.values_list("pk", flat=True)) == [keep.pk]
    assert api.post(f"{url}cleanup/").json() == {"deleted": 0}


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_cleanup_on_a_schedule(create, expire, memory_module, memory):
    expire(create(key="stale", content="x"))
    [job] = [j for j in jobs() if j.name == f"{memory_module}.clean_expired_notes"]
    assert job.every == 3600

    def notes_left():
        try:
            return memory.scratch_note.objects.exists()
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
    assert not memory.scratch_note.objects.exists()
