import pytest
from rest_framework.test import APIClient

from apps.core.models import OutboxEntry
from apps.core.testing import user_with_access


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def writer(db, highway):
    """May view and write zk (only zk)."""
    return api_as(user_with_access("writer", "zk", write=True))


@pytest.fixture
def reader(db, highway):
    return api_as(user_with_access("reader", "zk"))


def published(channel):
    """The data of the events of `channel` in the outbox, oldest first."""
    import orjson

    rows = OutboxEntry.objects.filter(channel=channel).order_by("id")
    return [orjson.loads(bytes(row.payload))["data"] for row in rows]
