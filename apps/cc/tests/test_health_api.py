"""cc's health endpoints over every module and engine: real checks, for operators (who else:
apps/core/tests/test_access_closed.py; health/ and status/:
apps/core/tests/memory_contract/test_health_api.py)."""

import pytest
from rest_framework.test import APIClient

from apps.cc.health import classify
from apps.core.highway.breaker import redis_breaker
from apps.core.testing import operator, user_with_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def operations(highway):
    api = APIClient()
    api.force_authenticate(operator())
    return api


def test_ping_runs_the_named_modules_real_check(operations):
    body = operations.post("/api/cc/ping/", {"module": "probe"}, format="json").json()
    assert body["module"] == "probe" and body["status"] == "up"


def test_ping_reports_a_module_whose_check_fails(operations, monkeypatch):
    from apps.core.modules.registry import get_module_config

    def broken():
        raise RuntimeError("index missing")

    monkeypatch.setattr(get_module_config("probe"), "health_check", broken)
    body = operations.post("/api/cc/ping/", {"module": "probe"}, format="json").json()
    assert body["status"] == "down" and body["error"] == "RuntimeError: index missing"


@pytest.mark.parametrize(("data", "message"), [({}, "required"), ({"module": "ghost"}, "ghost")])
def test_ping_refuses_unknown_or_missing_modules(operations, data, message):
    response = operations.post("/api/cc/ping/", data, format="json")
    assert response.status_code == 400
    assert message in response.json()["errors"]["module"][0]


def test_redis_health_gives_real_figures(operations):
    body = operations.get("/api/cc/redis-health/").json()
    assert body["status"] in {"healthy", "degraded"} and body["ping_ms"] >= 0
    assert body["info"]["redis_version"] and body["pool"]["max"] > 0
    assert body["breaker"]["state"] == "closed"


def test_redis_health_is_offline_while_the_breaker_is_open(operations):
    breaker = redis_breaker()
    breaker.breaker.open()
    assert operations.get("/api/cc/redis-health/").json()["status"] == "offline"


@pytest.mark.parametrize(
    ("state", "ping_ms", "failure_rate", "expected"),
    [
        ("closed", 1.0, 0.0, "healthy"),
        ("half_open", 1.0, 0.0, "degraded"),
        ("closed", 51.0, 0.0, "degraded"),
        ("closed", 1.0, 0.06, "degraded"),
        ("open", 1.0, 0.0, "offline"),
        ("closed", None, 0.0, "offline"),
    ],
)
def test_redis_status_rules(state, ping_ms, failure_rate, expected):
    assert classify(state, ping_ms, failure_rate) == expected


def test_system_health_checks_every_engine_and_module(operations, graph):
    response = operations.get("/api/cc/system-health/")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert set(body["engines"]) == {"database", "redis", "graph"}
    assert {"core", "cc", "probe"} <= set(body["modules"])


def test_config_needs_a_login_and_lists_the_loaded_modules(highway):
    api = APIClient()
    assert api.get("/api/cc/config/").status_code == 401
    api.force_authenticate(user_with_access("author", "cc"))
    body = api.get("/api/cc/config/").json()
    assert body["version"] == "0.1.0" and {"core", "cc", "probe"} <= set(body["modules_loaded"])
