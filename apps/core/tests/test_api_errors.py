"""Every error under /api/ is JSON in one shape: status, code, detail, [errors], request_id."""

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from apps.core.modules import access
from apps.core.testing import grant

SHAPE = {"status", "code", "detail", "request_id"}


def assert_error(response, status, code=None):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= SHAPE and body["status"] == status
    assert body["request_id"] == response["X-Request-ID"]
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def writer(db):
    user = User.objects.create_user("writer", password="pw-writer-1")
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_item"))
    api = APIClient()
    api.force_authenticate(grant(user, "probe", access.VIEW, access.WRITE))
    return api


@pytest.fixture
def reader(db):
    api = APIClient()
    api.force_authenticate(User.objects.create_user("reader", password="pw-reader-1"))
    return api


def test_400_lists_field_messages(writer):
    body = assert_error(
        writer.post("/api/probe/items/", {"quantity": -1}, format="json"), 400, "invalid"
    )
    assert set(body["errors"]) == {"title", "quantity"}
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)


def test_400_for_malformed_json(writer):
    response = writer.post("/api/probe/items/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


@pytest.mark.django_db
def test_401_for_anonymous_requests_with_a_challenge():
    response = APIClient().get("/api/probe/items/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_401_for_a_bad_token():
    response = APIClient().get("/api/probe/items/", HTTP_AUTHORIZATION="Token nope")
    assert_error(response, 401, "authentication_failed")


def test_403_without_the_module_permission(reader):
    assert_error(
        reader.post("/api/probe/items/", {"title": "x"}, format="json"), 403, "permission_denied"
    )


def test_404_for_an_unknown_object(writer):
    assert_error(writer.get("/api/probe/items/999999/"), 404, "not_found")


def test_404_for_an_unknown_api_url_is_json_not_html(client):
    assert_error(client.get("/api/nowhere/at/all/"), 404, "not_found")


def test_405_names_the_allowed_methods(writer):
    response = writer.delete("/api/probe/items/")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_500_is_json_without_a_traceback(writer):
    writer.raise_request_exception = False
    response = writer.get("/api/probe/items/boom/")
    body = assert_error(response, 500, "internal_server_error")
    assert "probe failure" not in response.content.decode()
    assert body["detail"] == "Internal Server Error."


def test_pages_outside_the_api_keep_html_errors(client):
    response = client.get("/not-an-api-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_successful_requests_are_untouched(writer):
    created = writer.post("/api/probe/items/", {"title": "Book one", "quantity": 3}, format="json")
    assert created.status_code == 201 and created.json()["title"] == "Book one"
