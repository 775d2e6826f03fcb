import uuid

import pytest
import redis as redis_lib
from django.conf import settings as django_settings

from apps.core.highway.breaker import reset_redis_breaker
from apps.core.highway.connection import reset_clients


@pytest.fixture
def highway(settings, redis_service):
    """The highway with fresh clients and breaker, reset again afterwards."""
    settings.COS_EVENTS = {**django_settings.COS_EVENTS}
    reset_redis_breaker()
    reset_clients()
    yield settings.COS_EVENTS
    reset_redis_breaker()
    reset_clients()


@pytest.fixture
def channel():
    """A channel of the probe module no other test uses."""
    return f"probe.t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_client(redis_service):
    client = redis_lib.Redis.from_url(django_settings.REDIS_URL)
    yield client
    client.close()
