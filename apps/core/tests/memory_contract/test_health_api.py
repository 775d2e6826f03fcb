"""The module's health endpoints: real checks, for those who may view the module (visitors get
401: apps/core/tests/test_access_closed.py)."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_runs_the_modules_own_check(viewer, api_root, memory_module):
    body = viewer.get(f"{api_root}/health/").json()
    assert body["name"] == memory_module and body["status"] == "up" and body["latency_ms"] >= 0


def test_status_is_ok(viewer, api_root):
    assert viewer.get(f"{api_root}/status/").json() == {"status": "ok"}


def test_a_visitor_or_a_user_without_the_view_permission_is_refused(highway, api_root):
    assert APIClient().get(f"{api_root}/health/").status_code == 401
    stranger = APIClient()
    stranger.force_authenticate(User.objects.create_user("stranger"))
    assert stranger.get(f"{api_root}/health/").status_code == 403


def test_a_change_to_the_kit_reaches_the_module_at_once(viewer, api_root, monkeypatch):
    """The module holds no copy of the kit: change the kit's class and its API answers so."""
    from rest_framework.response import Response

    from apps.core.memory import viewsets

    client = viewer
    assert client.get(f"{api_root}/status/").json() == {"status": "ok"}
    monkeypatch.setattr(
        viewsets.HealthViewSet, "status", lambda self, request: Response({"status": "changed"})
    )
    assert client.get(f"{api_root}/status/").json() == {"status": "changed"}
