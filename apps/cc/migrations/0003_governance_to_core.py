"""The registry and the audit trail are core's now (core 0004 moved the tables and their rows);
cc keeps proxies of them, so its admin URLs and permissions stay as they were.

On a new database where core 0004 created the tables before cc 0002 made its own, cc's pair is
still there, empty: it goes. Rows in it would mean a database this history can't produce, so
the migration stops rather than lose them.
"""

from django.db import migrations

TABLES = ("module_state_change", "modules")  # the referencing table first


def drop_empty_leftovers(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute("SELECT to_regclass(%s)", [f'"cc"."{table}"'])
            if cursor.fetchone()[0] is None:
                continue
            # A constant table name, no input: nothing to inject.
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote('cc')}.{quote(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                raise RuntimeError(
                    f"cc.{table} still has rows although core 0004 made core.{table}: "
                    "move them by hand, then migrate again."
                )
            schema_editor.execute(f"DROP TABLE {quote('cc')}.{quote(table)}")


class Migration(migrations.Migration):
    dependencies = [
        ("cc", "0002_module_registry"),
        ("core", "0004_module_registry"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="modulestatechange", name="module"),
                migrations.RemoveField(model_name="modulestatechange", name="actor"),
                migrations.DeleteModel(name="Module"),
                migrations.DeleteModel(name="ModuleStateChange"),
                migrations.CreateModel(
                    name="Module",
                    fields=[],
                    options={
                        "verbose_name": "module",
                        "verbose_name_plural": "modules",
                        "ordering": ["name"],
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("core.module",),
                ),
                migrations.CreateModel(
                    name="ModuleStateChange",
                    fields=[],
                    options={
                        "verbose_name": "module state change",
                        "verbose_name_plural": "module state changes",
                        "ordering": ["-at", "-id"],
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("core.modulestatechange",),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(drop_empty_leftovers, migrations.RunPython.noop),
    ]
