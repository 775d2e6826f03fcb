"""Migration core 0004 (with cc 0003) moves the registry and the audit trail from schema cc to
schema core without losing a row, and builds the same tables on a database that never had cc's.

Each test migrates the test database back to the state before the move, writes rows with the
models of that state, migrates forward and reads them with the models of the new state."""

from collections.abc import Iterator

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

CORE_BEFORE, CORE_AFTER = ("core", "0003_outbox_commit_order"), ("core", "0004_module_registry")
CC_FIRST, CC_BEFORE = ("cc", "0001_initial"), ("cc", "0002_module_registry")
CC_AFTER = ("cc", "0003_governance_to_core")

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(*targets: tuple[str, str]) -> Apps:
    """The database migrated to `targets`, and the models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()  # what is applied now
    return executor.loader.project_state(list(targets)).apps


def table(schema: str, name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::text", [f'"{schema}"."{name}"'])
        found: str | None = cursor.fetchone()[0]
        return found


@pytest.fixture(autouse=True)
def fully_migrated_afterwards() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_move_keeps_every_module_change_and_link():
    old = migrate(CORE_BEFORE, CC_BEFORE)
    assert table("cc", "modules") and not table("core", "modules")
    user = old.get_model("auth", "User").objects.create(username="ada")
    outsider = old.get_model("cc", "Module").objects.create(
        name="outsider", version="1.2", active=False, reason="paused", config={"depth": 3}
    )
    change = old.get_model("cc", "ModuleStateChange").objects.create(
        module=outsider, module_name="outsider", actor=user, actor_name="ada", via="admin",
        from_active=True, to_active=False, reason="paused",
    )  # fmt: skip
    modules_before = old.get_model("cc", "Module").objects.count()

    new = migrate(CORE_AFTER, CC_AFTER)

    assert table("core", "modules") and table("core", "module_state_change")
    assert not table("cc", "modules") and not table("cc", "module_state_change")
    module_model = new.get_model("core", "Module")
    assert module_model.objects.count() == modules_before
    moved = module_model.objects.get(pk=outsider.pk)
    assert (moved.name, moved.version, moved.active, moved.reason, moved.config) == (
        "outsider", "1.2", False, "paused", {"depth": 3},
    )  # fmt: skip
    trail = new.get_model("core", "ModuleStateChange").objects.get(pk=change.pk)
    assert (trail.module_id, trail.actor_id, trail.via) == (outsider.pk, user.pk, "admin")
    # The foreign key came along: deleting the module keeps its history (SET NULL) ...
    moved.delete()
    trail.refresh_from_db()
    assert trail.module_id is None and trail.module_name == "outsider"
    # ... and the audit trail's id sequence goes on after the moved rows.
    later = new.get_model("core", "ModuleStateChange").objects.create(
        module_name="x", via="api", from_active=False, to_active=True
    )
    assert later.pk > change.pk


def test_a_database_without_ccs_tables_gets_them_in_core_and_cc_leaves_none():
    migrate(CORE_BEFORE, CC_FIRST)  # cc's tables don't exist yet
    assert not table("cc", "modules")
    migrate(CORE_AFTER)
    assert table("core", "modules") and table("core", "module_state_change")

    migrate(CORE_AFTER, CC_BEFORE)  # cc 0002 runs late and makes its own pair: empty
    assert table("cc", "modules")
    new = migrate(CORE_AFTER, CC_AFTER)

    assert not table("cc", "modules") and not table("cc", "module_state_change")
    module = new.get_model("core", "Module").objects.create(name="fresh", version="1")
    assert new.get_model("core", "Module").objects.get(pk=module.pk).name == "fresh"


def test_rows_in_ccs_leftover_tables_stop_the_migration_rather_than_be_dropped():
    migrate(CORE_BEFORE, CC_FIRST)
    migrate(CORE_AFTER)
    old = migrate(CORE_AFTER, CC_BEFORE)
    old.get_model("cc", "Module").objects.create(name="stray", version="1")

    with pytest.raises(RuntimeError, match=r"cc\.modules still has rows"):
        migrate(CORE_AFTER, CC_AFTER)
    assert table("cc", "modules")
    old.get_model("cc", "Module").objects.all().delete()  # so that the clean-up can migrate
