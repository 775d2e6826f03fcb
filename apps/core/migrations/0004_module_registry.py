"""The module registry and the audit trail of governance move from schema `cc` to `core`.

cc's migration 0002 created them as cc's tables. Where it has run, they are moved with
ALTER TABLE ... SET SCHEMA, which keeps their rows, indexes, constraints and sequences. Where it
hasn't run yet (a new database migrating core first), they are created here, and cc's 0003
drops the empty pair cc's 0002 makes after. Core depends on no migration of cc: it works
without cc.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

FROM, TO = "cc", "core"
TABLES = ("modules", "module_state_change")  # the referenced table first
CC_CREATED_THEM = ("cc", "0002_module_registry")


def table_exists(schema_editor, schema, table):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema}"."{table}"'])
        return cursor.fetchone()[0] is not None


def move(schema_editor, source, target):
    quote = schema_editor.quote_name
    schema_editor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(target)}")
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {quote(source)}.{quote(table)} SET SCHEMA {quote(target)}"
        )


def adopt_or_create(apps, schema_editor):
    if table_exists(schema_editor, FROM, TABLES[0]):
        move(schema_editor, FROM, TO)
    else:
        for model in ("Module", "ModuleStateChange"):
            schema_editor.create_model(apps.get_model("core", model))


def give_back(apps, schema_editor):
    applied = MigrationRecorder(schema_editor.connection).applied_migrations()
    if CC_CREATED_THEM in applied:
        move(schema_editor, TO, FROM)
    else:
        for model in ("ModuleStateChange", "Module"):
            schema_editor.delete_model(apps.get_model("core", model))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_outbox_commit_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Module",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "name",
                            models.CharField(max_length=100, unique=True, verbose_name="name"),
                        ),
                        ("version", models.CharField(max_length=50, verbose_name="version")),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                        ("active", models.BooleanField(default=True, verbose_name="enabled")),
                        (
                            "reason",
                            models.TextField(
                                blank=True,
                                help_text="Why it is in this state.",
                                verbose_name="reason",
                            ),
                        ),
                        (
                            "last_active",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="last enabled"
                            ),
                        ),
                        (
                            "config",
                            models.JSONField(
                                blank=True, default=dict, verbose_name="configuration"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                    ],
                    options={
                        "verbose_name": "module",
                        "verbose_name_plural": "modules",
                        "db_table": 'core"."modules',
                        "ordering": ["name"],
                        "default_permissions": (),
                    },
                ),
                migrations.CreateModel(
                    name="ModuleStateChange",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "module_name",
                            models.CharField(db_index=True, max_length=100, verbose_name="module"),
                        ),
                        (
                            "actor_name",
                            models.CharField(blank=True, max_length=150, verbose_name="by"),
                        ),
                        (
                            "via",
                            models.CharField(
                                choices=[("admin", "admin"), ("api", "API"), ("system", "system")],
                                max_length=10,
                                verbose_name="via",
                            ),
                        ),
                        ("from_active", models.BooleanField(verbose_name="was enabled")),
                        ("to_active", models.BooleanField(verbose_name="now enabled")),
                        ("reason", models.TextField(blank=True, verbose_name="reason")),
                        (
                            "at",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now, verbose_name="at"
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "module",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="state_changes",
                                to="core.module",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "module state change",
                        "verbose_name_plural": "module state changes",
                        "db_table": 'core"."module_state_change',
                        "ordering": ["-at", "-id"],
                        "default_permissions": (),
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_or_create, give_back),
    ]
