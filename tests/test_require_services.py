"""An unreachable service skips its tests, unless COS_REQUIRE_SERVICES=1 (CI), where it fails."""

import pytest

import conftest


@pytest.fixture
def unreachable_redis(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    conftest._service_error.cache_clear()
    yield
    conftest._service_error.cache_clear()


def test_an_unreachable_service_skips_by_default(unreachable_redis, monkeypatch):
    monkeypatch.delenv("COS_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis is unreachable"):
        conftest.require_service("redis")


def test_an_unreachable_service_fails_when_services_are_required(unreachable_redis, monkeypatch):
    monkeypatch.setenv("COS_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="COS_REQUIRE_SERVICES=1 forbids skipping"):
        conftest.require_service("redis")


def test_a_reachable_service_passes(redis_service):
    conftest._service_error.cache_clear()
    conftest.require_service("redis")
