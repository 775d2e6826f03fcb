"""The periodic check: it walks each chain's latest rows, keeps its verdict, and /status,
/metrics, the API and the admin show it; a broken chain shows as broken."""

from django.db import connection

from apps.canon import events, services
from apps.canon.models import VerificationRun
from apps.core.runtime.schedule import jobs

from .conftest import unique


def test_the_check_is_a_periodic_exclusive_job():
    job = next(job for job in jobs() if job.name == "canon.verify_recent")
    assert job.exclusive and job.every == 300 and job.func is events.verify_recent


def test_an_intact_canon_is_reported_ok(prd, operator_client):
    assert events.verify_recent() == "ok"
    run = VerificationRun.objects.latest("checked_at")
    assert run.ok and run.rows_checked >= 2 and run.problem is None

    report = operator_client.get("/status").json()["reports"]["canon"]
    assert report["status"] == "ok"
    assert report["last_verification"]["rows_checked"] == run.rows_checked
    assert report["rows"]["prd_log"] >= prd["v2"].seq

    metrics = operator_client.get("/metrics").content.decode()
    assert "cos_canon_chain_ok 1.0" in metrics
    assert f"cos_canon_rows_checked {float(run.rows_checked)}" in metrics


def test_a_tampered_row_is_reported_broken(prd, operator_client, reader):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute('ALTER TABLE "canon"."prd_log" DISABLE TRIGGER USER')
        cursor.execute('UPDATE "canon"."prd_log" SET title = %s WHERE id = %s', ["X", prd["v2"].pk])
        cursor.execute('ALTER TABLE "canon"."prd_log" ENABLE ALWAYS TRIGGER refuse_update_delete')
    assert events.verify_recent().startswith("BROKEN")
    problem = {"table": "prd_log", "seq": prd["v2"].seq, "id": prd["v2"].pk}
    report = operator_client.get("/status").json()["reports"]["canon"]
    assert report["status"] == "broken"
    assert problem.items() <= report["last_verification"]["problem"].items()
    assert "cos_canon_chain_ok 0.0" in operator_client.get("/metrics").content.decode()
    assert reader.get("/api/canon/verification/").json()["status"] == "broken"


def test_the_check_walks_only_the_latest_rows(db, highway):
    key = unique()
    for n in range(5):
        services.archive_prd_version(key, title="T", summary=str(n))
    run = services.record_verification(recent=2)
    assert run.ok and run.rows_checked <= 2 * 4  # two per chain at most


def test_before_any_check_the_report_says_unverified(db, operator_client):
    assert not VerificationRun.objects.exists()  # no test commits a run
    assert operator_client.get("/status").json()["reports"]["canon"]["status"] == "unverified"
