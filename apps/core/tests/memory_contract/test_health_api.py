"""The module's health endpoints: real checks, public."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_runs_the_modules_own_check(highway, api_root, memory_module):
    body = APIClient().get(f"{api_root}/health/").json()
    assert body["name"] == memory_module and body["status"] == "up" and body["latency_ms"] >= 0


def test_status_is_ok(highway, api_root):
    assert APIClient().get(f"{api_root}/status/").json() == {"status": "ok"}


def test_a_change_to_the_kit_reaches_the_module_at_once(highway, api_root, monkeypatch):
    """The module holds no copy of the kit: change the kit's class and its API answers so."""
    from rest_framework.response import Response

    from apps.core.memory import viewsets

    client = APIClient()
    assert client.get(f"{api_root}/status/").json() == {"status": "ok"}
    monkeypatch.setattr(
        viewsets.HealthViewSet, "status", lambda self, request: Response({"status": "changed"})
    )
    assert client.get(f"{api_root}/status/").json() == {"status": "changed"}
