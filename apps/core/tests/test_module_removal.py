"""removemodule's safety parts, on the probe module (the whole command runs in
tests/test_startmodule.py): what in other schemas depends on a module's schemas, the table locks,
and what Redis holds for a module."""

import threading
import uuid
from typing import Any

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from apps.core.db.postgres.dependents import outside_dependents
from apps.core.highway.removal import ModuleTraces, remove_module_traces
from apps.core.highway.streams import CHANNELS_KEY
from apps.core.scaffold import removemodule
from apps.core.scaffold.removemodule import (
    Removal,
    RemoveModuleError,
    module_traces,
    remove_module,
)

PROBE_SCHEMAS = ("probe", "mem0_probe")


def execute(*statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def dependents():
    with connection.cursor() as cursor:
        return outside_dependents(cursor, PROBE_SCHEMAS)


@pytest.mark.django_db
def test_nothing_outside_depends_on_a_module_by_itself():
    # mem0_probe.item_note points into probe.item: inside the module, not reported.
    execute("CREATE VIEW mem0_probe.titles AS SELECT title FROM probe.item")
    assert dependents() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statements", "described"),
    [
        (
            ["CREATE VIEW public.item_titles AS SELECT title FROM probe.item"],
            "view item_titles",
        ),
        (
            [
                "CREATE SCHEMA shop",
                "CREATE TABLE shop.orders (id int, tag_id bigint REFERENCES probe.tag (id))",
            ],
            "constraint orders_tag_id_fkey on table shop.orders",
        ),
        (
            ["CREATE TABLE public.numbers (n bigint DEFAULT nextval('probe.item_id_seq'))"],
            "default value for column n of table numbers",
        ),
        (
            ["CREATE FUNCTION public.weight(i probe.item) RETURNS int LANGUAGE sql AS 'SELECT 1'"],
            "function weight(probe.item)",
        ),
        (
            ["CREATE TABLE public.copies (item probe.item)"],
            "column item of table copies",
        ),
    ],
    ids=["view", "foreign key", "default", "function", "column type"],
)
def test_objects_in_other_schemas_depending_on_a_module_are_found(statements, described):
    execute(*statements)
    assert dependents() == [described]


@pytest.mark.django_db
def test_removal_refuses_when_something_outside_depends_on_the_module(highway, tmp_path):
    execute("CREATE VIEW public.item_titles AS SELECT title FROM probe.item")
    with pytest.raises(RemoveModuleError, match="view item_titles") as refused:
        remove_module(Removal("probe", tmp_path, PROBE_SCHEMAS, module_traces("probe")))
    assert "Nothing was removed" in str(refused.value)
    assert tmp_path.is_dir()
    execute("SELECT count(*) FROM probe.item")  # still there


@pytest.fixture
def ghost_module(tmp_path):
    """A module's schemas with a table, committed, and nothing else of a module: what a removal
    that should have been refused drops is only this."""
    execute(
        "CREATE SCHEMA ghost",
        "CREATE TABLE ghost.page (id int)",
        'CREATE TABLE ghost."Odd ""Name"".v2" (id int)',  # locked by its quoted name too
        "CREATE SCHEMA mem0_ghost",
    )
    yield Removal("ghost", tmp_path, ("ghost", "mem0_ghost"), ModuleTraces("ghost"))
    execute("DROP SCHEMA IF EXISTS ghost, mem0_ghost CASCADE")


@pytest.mark.django_db
def test_a_removal_takes_the_schemas_the_outbox_rows_and_the_folder(highway, ghost_module):
    from apps.core.models import OutboxEntry

    channels = ["ghost.page.added", "mem0.recorded.cc"]
    for channel in channels:
        OutboxEntry.objects.create(event_id=uuid.uuid4(), channel=channel, payload=b"{}")
    remove_module(ghost_module)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE '%%ghost'")
        assert cursor.fetchall() == []
    left = OutboxEntry.objects.filter(channel__in=channels).values_list("channel", flat=True)
    assert list(left) == ["mem0.recorded.cc"]
    assert not ghost_module.folder.exists()


@pytest.mark.django_db(transaction=True)
def test_removal_gives_up_on_tables_in_use_and_changes_nothing(highway, ghost_module, monkeypatch):
    """A session holding a module table: the removal waits at most the lock timeout."""
    monkeypatch.setattr(removemodule, "LOCK_TIMEOUT", "500ms")
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    holder = psycopg.connect(host=db["HOST"], port=db["PORT"] or None, user=db["USER"], dbname=name)
    holder.execute("SELECT count(*) FROM ghost.page")  # its transaction stays open
    # Should the removal wait for the lock instead, it gets it after 10 s and the test fails.
    release = threading.Timer(10, holder.rollback)
    release.start()
    try:
        with pytest.raises(RemoveModuleError, match="tables in use"):
            remove_module(ghost_module)
    finally:
        release.cancel()
        holder.close()
    execute("SELECT count(*) FROM ghost.page")  # still there
    assert ghost_module.folder.is_dir()


def test_a_modules_traces_are_its_channels_and_its_subscribers_groups():
    traces = module_traces("probe")
    assert traces.groups == {"probe.item-checker"}
    assert traces.channels == {"mem0.recorded.probe", "probe.item.created", "probe.test.event"}
    assert traces.owns("probe") and traces.owns("probe.items") and traces.owns("probe.a.b")
    assert not traces.owns("probes.items") and not traces.owns("mem0.recorded.cc")


def test_redis_keeps_nothing_of_a_removed_module_and_everything_of_the_others(own_redis):
    client = redis.Redis.from_url(own_redis.url)
    traces = ModuleTraces(
        code="books", channels=frozenset({"mem0.recorded.books"}), groups=frozenset({"books-*"})
    )

    def dead_letter(stream, group):
        client.xadd(stream, {"event": b"{}", "channel": stream[4:], "group": group})

    for channel in (
        "mem0.recorded.books",
        "books.chapter.added",
        "booksale.sold",
        "mem0.recorded.cc",
    ):
        client.xadd(channel, {"event": b"{}"})
        client.sadd(CHANNELS_KEY, channel)
    client.xgroup_create("mem0.recorded.cc", "books-*", id="0")  # a books subscriber reads cc
    client.xgroup_create("mem0.recorded.cc", "cc-audit", id="0")
    client.xgroup_create("mem0.recorded.books", "books-*", id="0")
    dead_letter("dlq:mem0.recorded.books", "books-*")
    dead_letter("dlq:mem0.recorded.cc", "books-*")
    dead_letter("dlq:mem0.recorded.cc", "cc-audit")
    client.set("cos:done:books-*:e1", 1)
    client.set("cos:done:books-*:e2", 1)
    client.set("cos:done:books-archive:e1", 1)  # another group, matched by an unescaped glob
    client.hset("cos:errors:books-*", "1-0", "boom")
    client.hset("cos:errors:cc-audit", "1-0", "boom")

    removed = remove_module_traces(client, traces)
    assert sorted(removed.streams) == [
        "books.chapter.added", "dlq:mem0.recorded.books", "mem0.recorded.books"
    ]  # fmt: skip
    assert removed.groups == [("mem0.recorded.cc", "books-*")]
    assert (removed.dead_letters, removed.keys) == (1, 3)
    assert sorted(k.decode() for k in client.scan_iter()) == [
        "booksale.sold",
        "cos:channels",
        "cos:done:books-archive:e1",
        "cos:errors:cc-audit",
        "dlq:mem0.recorded.cc",
        "mem0.recorded.cc",
    ]
    assert client.smembers(CHANNELS_KEY) == {b"booksale.sold", b"mem0.recorded.cc"}
    assert [g["name"] for g in client.xinfo_groups("mem0.recorded.cc")] == [b"cc-audit"]
    dead_letters: Any = client.xrange("dlq:mem0.recorded.cc")
    assert [fields[b"group"] for _, fields in dead_letters] == [b"cc-audit"]
    again = remove_module_traces(client, traces)  # a second run finds nothing more
    assert (again.streams, again.groups, again.dead_letters, again.keys) == ([], [], 0, 0)
