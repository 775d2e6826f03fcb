"""Schema isolation: module tables live in their own PostgreSQL schemas, and Django sees them."""

import io

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection, migrations
from django.db.backends.postgresql.introspection import (
    DatabaseIntrospection as StockIntrospection,
)
from django.db.migrations.state import ProjectState
from django.test import TransactionTestCase
from psycopg import sql

from apps.core.db.schemas import schema_table, split_table
from tests.modules.probe.models import Item, ItemNote, Tag

PROBE_TABLES = {
    ("probe", "item"),
    ("probe", "tag"),
    ("probe", "item_tags"),
    ("mem0_probe", "item_note"),
}


def test_schema_table_builds_the_qualified_name():
    assert schema_table("cc", "modules") == 'cc"."modules'
    assert split_table('cc"."modules') == ("cc", "modules")
    assert split_table("auth_user") == (None, "auth_user")


@pytest.mark.parametrize(
    ("schema", "table"), [("CC", "x"), ("cc", 'x"; drop'), ("", "x"), ("cc", "x" * 64)]
)
def test_schema_table_refuses_unsafe_identifiers(schema, table):
    with pytest.raises(ValueError, match="not a plain PostgreSQL identifier"):
        schema_table(schema, table)


@pytest.mark.django_db
def test_tables_really_live_in_the_module_schemas():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('probe', 'mem0_probe')"
        )
        assert set(cursor.fetchall()) == PROBE_TABLES
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name LIKE '%%item%%'"
        )
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
def test_stock_introspection_misses_module_tables_and_ours_sees_them():
    """The bug the backend fixes: stock Django lists only tables on the search path."""
    with connection.cursor() as cursor:
        stock = {t.name for t in StockIntrospection(connection).get_table_list(cursor)}
    ours = set(connection.introspection.table_names())
    assert 'probe"."item' not in stock and "item" not in stock
    assert {'probe"."item', 'probe"."tag', 'probe"."item_tags', 'mem0_probe"."item_note'} <= ours
    assert "auth_user" in ours  # public tables keep their bare names
    assert 'probe"."item' in connection.introspection.django_table_names(only_existing=True)


@pytest.mark.django_db
def test_introspection_describes_columns_and_constraints_of_module_tables():
    with connection.cursor() as cursor:
        columns = [
            c.name for c in connection.introspection.get_table_description(cursor, 'probe"."item')
        ]
        constraints = connection.introspection.get_constraints(cursor, 'mem0_probe"."item_note')
        relations = connection.introspection.get_relations(cursor, 'mem0_probe"."item_note')
        sequences = connection.introspection.get_sequences(cursor, 'probe"."item')
        cursor.execute("SHOW search_path")
        search_path = cursor.fetchone()[0]
    assert columns == ["id", "title", "quantity", "checked"]
    assert any(c["foreign_key"] == ("item", "id") for c in constraints.values())
    assert relations["item_id"] == ("id", 'probe"."item')  # across schemas
    assert sequences == [{"name": "item_id_seq", "table": '"probe"."item"', "column": "id"}]
    assert "probe" not in search_path  # the lookup restored the search path


@pytest.mark.django_db(transaction=True)
def test_flush_empties_tables_in_every_module_schema():
    item = Item.objects.create(title="draft")
    item.tags.add(Tag.objects.create(label="poetry"))
    ItemNote.objects.create(item=item, text="first line")
    call_command("flush", interactive=False, verbosity=0)
    assert (Item.objects.count(), Tag.objects.count(), ItemNote.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_inspectdb_reads_a_module_table():
    out = io.StringIO()
    call_command("inspectdb", 'probe"."item', stdout=out)
    assert "class ProbeItem(models.Model):" in out.getvalue()
    assert "title = models.CharField(max_length=100)" in out.getvalue()


@pytest.mark.django_db
def test_makemigrations_finds_no_changes():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


class TransactionTestCasesDoNotLeakRows(TransactionTestCase):
    """TransactionTestCase flushes after each test; module tables must be flushed too.

    Both tests create the same unique tag: whichever runs second fails if the first one leaked.
    """

    def test_first(self):
        Tag.objects.create(label="unique")
        assert Tag.objects.count() == 1

    def test_second(self):
        Tag.objects.create(label="unique")
        assert Tag.objects.count() == 1


# Tables another application keeps in the same database, under names no module would use.
FOREIGN_TABLES = [
    ("Shared App", "Orders"),
    ("shared_app", "order.lines"),
    ("shared_app", "with space"),
    ("shared_app", 'say "hi"'),
    ('odd"schema', "plain"),
]


@pytest.fixture
def foreign_tables(db):
    def statement(template, *names):
        return sql.SQL(template).format(*names).as_string(connection.connection)

    with connection.cursor() as cursor:
        for schema, table in FOREIGN_TABLES:
            cursor.execute(statement("CREATE SCHEMA IF NOT EXISTS {}", sql.Identifier(schema)))
            cursor.execute(
                statement("CREATE TABLE {} (id int PRIMARY KEY)", sql.Identifier(schema, table))
            )


@pytest.mark.usefixtures("foreign_tables")
def test_tables_with_odd_names_in_other_schemas_do_not_break_introspection():
    names = set(connection.introspection.table_names())
    assert {'Shared App"."Orders', 'shared_app"."order.lines', 'shared_app"."with space'} <= names
    # Unnameable: left out (matched on their quotes: "hi" alone is in canon's "archived_note").
    assert not any('"hi"' in name or 'odd"' in name for name in names)
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, 'Shared App"."Orders')
    assert [c.name for c in columns] == ["id"]
    out = io.StringIO()
    call_command("migrate", verbosity=1, stdout=out)  # reads the table list first
    assert "No migrations to apply" in out.getvalue()
    call_command("check", databases=["default"], stdout=io.StringIO())
    call_command("inspectdb", stdout=io.StringIO())


def probe_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('probe', 'mem0_probe')"
        )
        return set(cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new_table", "moved"),
    [
        ('probe"."renamed_item', {("probe", "renamed_item"), ("probe", "renamed_item_tags")}),
        ('mem0_probe"."item', {("mem0_probe", "item"), ("mem0_probe", "item_tags")}),
        ('mem0_probe"."old_item', {("mem0_probe", "old_item"), ("mem0_probe", "old_item_tags")}),
    ],
)
def test_alter_model_table_renames_and_moves_a_module_table(new_table, moved):
    """The migration operation, forwards and back, on a table with rows and an M2M table."""
    Item.objects.create(title="kept").tags.add(Tag.objects.create(label="poetry"))
    operation = migrations.AlterModelTable("item", new_table)
    before = ProjectState.from_apps(django_apps)
    after = before.clone()
    operation.state_forwards("probe", after)
    with connection.schema_editor() as editor:
        operation.database_forwards("probe", editor, before, after)
    assert probe_tables() == PROBE_TABLES - {("probe", "item"), ("probe", "item_tags")} | moved
    renamed = after.apps.get_model("probe", "item")
    assert [(i.title, i.tags.count()) for i in renamed.objects.all()] == [("kept", 1)]
    with connection.schema_editor() as editor:
        operation.database_backwards("probe", editor, after, before)
    assert probe_tables() == PROBE_TABLES
    assert Item.objects.get().tags.get().label == "poetry"
