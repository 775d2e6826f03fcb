"""The canon is append-only AT THE DATABASE: whatever the role, PostgreSQL refuses to change,
delete or truncate a row of any canon table (SQLSTATE CN001), and the API says so (405)."""

import pytest
from django.db import DatabaseError, connection, transaction

from apps.canon import services
from apps.canon.exceptions import IMMUTABLE_SQLSTATE
from apps.canon.models import ALL_MODELS, EventTrace, PrdLog

from .conftest import unique

STATEMENTS = {
    "UPDATE": "UPDATE {table} SET id = id",
    "DELETE": "DELETE FROM {table}",
    "TRUNCATE": "TRUNCATE {table} CASCADE",
}


@pytest.mark.parametrize("operation", STATEMENTS)
@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.db_table)
def test_postgresql_refuses_to_change_a_canon_table(every_table_has_a_row, model, operation):
    table = connection.ops.quote_name(model._meta.db_table)
    assert model.objects.exists()
    with connection.cursor() as cursor:
        # This test's inserts left deferred foreign-key checks, which TRUNCATE would not run
        # over (55006): check them now, as a fresh session would have nothing pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError) as refused, transaction.atomic():
            cursor.execute(STATEMENTS[operation].format(table=table))
    assert getattr(refused.value.__cause__, "sqlstate", None) == IMMUTABLE_SQLSTATE
    assert f"is append-only: {operation} refused" in str(refused.value)
    assert model.objects.exists()


def test_the_refusal_holds_for_a_superuser_and_in_replica_mode(every_table_has_a_row):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0] is True  # the test database's role is a superuser
        # Replica mode silences ordinary triggers; the canon's are ENABLE ALWAYS.
        cursor.execute("SET LOCAL session_replication_role = replica")
        with pytest.raises(DatabaseError) as refused, transaction.atomic():
            cursor.execute('UPDATE "canon"."prd_log" SET title = \'x\'')
    assert getattr(refused.value.__cause__, "sqlstate", None) == IMMUTABLE_SQLSTATE


def test_the_orm_cannot_change_a_row_either(prd):
    row = PrdLog.objects.get(pk=prd["v1"].pk)
    row.title = "Rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        row.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        PrdLog.objects.filter(pk=row.pk).delete()
    assert PrdLog.objects.get(pk=row.pk).title == "Onboarding"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize(
    "path", ["prds/", "traces/", "links/", "notes/", "prds/{key}/", "traces/{trace}/"]
)
def test_the_api_answers_changes_with_405_and_the_reason(writer, prd, method, path):
    trace = services.archive_trace(prd["key"], trigger="t")
    url = "/api/canon/" + path.format(key=prd["key"], trace=trace.pk)
    response = getattr(writer, method)(url, {"title": "x"}, format="json")
    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "immutable" and "append-only" in body["detail"]
    assert EventTrace.objects.get(pk=trace.pk).trigger == "t"


def test_a_change_the_database_refuses_is_a_405_not_a_500(writer, monkeypatch):
    """Should a write path ever try to change a row, the triggers' CN001 reaches the client as
    the same clear 405."""

    def rewrite(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute('UPDATE "canon"."prd_log" SET title = title')
            cursor.execute('DELETE FROM "canon"."prd_log"')

    services.archive_prd_version(unique(), title="A")
    monkeypatch.setattr(services, "archive_prd_version", rewrite)
    writer.raise_request_exception = False
    response = writer.post("/api/canon/prds/", {"prd_key": "k", "title": "B"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "immutable"
