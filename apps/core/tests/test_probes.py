"""/alive, /ping, /health and /status (the detail: operations access, as operators see it)."""

from datetime import datetime, timedelta

import pytest


def parse_ts(value: str) -> datetime:
    ts = datetime.fromisoformat(value)
    assert ts.utcoffset() == timedelta(0)
    return ts


def test_alive_answers_without_touching_engines(client):
    response = client.get("/alive")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    parse_ts(response.json()["ts"])


def test_ping_answers_pong_with_a_utc_timestamp(client):
    body = client.get("/ping").json()
    assert body["status"] == "pong"
    parse_ts(body["ts"])


@pytest.mark.django_db
def test_health_is_200_with_each_part_and_its_latency(operator_client, redis_service, graph):
    response = operator_client.get("/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["parts"]) == {"database", "redis", "graph"}
    for part in body["parts"].values():
        assert part["status"] == "up" and part["latency_ms"] >= 0


@pytest.mark.django_db
def test_health_is_503_naming_redis_when_redis_is_unreachable(operator_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    settings.COS_HEALTH_TIMEOUT = 0.5
    response = operator_client.get("/health")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable" and body["failing"] == ["redis"]
    assert body["parts"]["redis"]["status"] == "down" and body["parts"]["redis"]["error"]
    assert body["parts"]["database"]["status"] == "up"


@pytest.mark.django_db
def test_health_checks_the_graph_only_when_configured(operator_client, settings, redis_service):
    settings.NEO4J_URL = ""
    assert "graph" not in operator_client.get("/health").json()["parts"]
    settings.NEO4J_URL = "bolt://127.0.0.1:9"
    settings.COS_HEALTH_TIMEOUT = 0.5
    response = operator_client.get("/health")
    assert response.status_code == 503
    assert response.json()["failing"] == ["graph"]


@pytest.mark.django_db
def test_health_reports_the_graph_server_in_use(operator_client, graph, redis_service):
    """The embedded ArcadeDB, or the Neo4j of NEO4J_URL."""
    body = operator_client.get("/health").json()
    assert body["parts"]["graph"]["status"] == "up"


@pytest.mark.django_db
def test_health_is_503_naming_the_database_when_it_is_down(
    operator_client, monkeypatch, redis_service
):
    from apps.core.http import health

    def refuse():
        raise ConnectionError("database refused")

    monkeypatch.setattr(health, "_ping_database", refuse)
    response = operator_client.get("/health")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def test_probes_refuse_writes(client):
    assert client.post("/alive").status_code == 405


@pytest.mark.django_db
def test_status_lists_modules_and_uptime(operator_client):
    body = operator_client.get("/status").json()
    assert body["status"] == "ok" and body["uptime_s"] >= 0
    assert [m["code"] for m in body["modules"]][:1] == ["core"]
    probe = {"code": "probe", "name": "Probe", "version": "1.0.0", "kind": "optional"}
    assert probe in body["modules"]
    assert body["events"]["breaker"]["state"] in {"closed", "open", "half_open"}
    assert body["events"]["outbox"]["pending"] >= 0


@pytest.mark.django_db
def test_modules_add_their_reports_to_status_and_their_metrics(operator_client, monkeypatch):
    """ModuleConfig.status_report / .metrics: any module's figures, and a failing one is
    logged and shown as an error instead of taking the endpoint down."""
    from prometheus_client.core import GaugeMetricFamily

    from apps.core.modules.registry import get_module_config

    probe = get_module_config("probe")
    monkeypatch.setattr(probe, "status_report", lambda: {"widgets": 3}, raising=False)
    monkeypatch.setattr(
        probe, "metrics", lambda: [GaugeMetricFamily("cos_probe_widgets", "Widgets", value=3)]
    )
    assert operator_client.get("/status").json()["reports"]["probe"] == {"widgets": 3}
    assert "cos_probe_widgets 3.0" in operator_client.get("/metrics").content.decode()

    def broken():
        raise RuntimeError("bug")

    monkeypatch.setattr(probe, "status_report", broken)
    monkeypatch.setattr(probe, "metrics", broken)
    status = operator_client.get("/status")
    assert status.status_code == 200 and status.json()["reports"]["probe"] == {"status": "error"}
    metrics = operator_client.get("/metrics")
    assert metrics.status_code == 200 and "cos_probe_widgets" not in metrics.content.decode()
