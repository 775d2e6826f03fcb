"""Hostile or careless input to cc's own API gets a clear 4xx with field messages, never a 500
(the kit's endpoints: apps/core/tests/memory_contract/test_bad_input.py)."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def nested_text(depth):
    """JSON text of an object nested `depth` deep, for depths Python's own encoder refuses."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


@pytest.fixture
def api(highway):
    client = APIClient(raise_request_exception=False)  # a 500 must show as a 500
    client.force_authenticate(User.objects.create_superuser("root"))
    return client


def test_a_module_config_postgresql_cannot_store_is_a_field_error(api):
    body = f'{{"name": "deep", "version": "1.0.0", "config": {nested_text(500)}}}'
    response = api.generic("POST", "/api/cc/modules/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "config" in response.json()["errors"]
