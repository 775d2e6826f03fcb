import orjson
import pytest
from rest_framework.test import APIClient

from apps.cms import services
from apps.core.models import OutboxEntry
from apps.core.testing import user_with_access


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def writer(db, highway):
    """May view and write cms (only cms)."""
    return api_as(user_with_access("writer", "cms", write=True))


@pytest.fixture
def reader(db, highway):
    return api_as(user_with_access("reader", "cms"))


def published(channel):
    """The data of the events of `channel` in the outbox, oldest first."""
    rows = OutboxEntry.objects.filter(channel=channel).order_by("id")
    return [orjson.loads(bytes(row.payload))["data"] for row in rows]


def make_page(slug="about", publish=True, **words):
    """A page written in the languages given as language=(title, body); English by default."""
    page = services.create_page(slug)
    for language, (title, body) in (words or {"en": ("About us", "We *write*.")}).items():
        services.save_translation(page, language, title, body, f"{title} (SEO)")
    if publish:
        services.publish_page(page)
    page.refresh_from_db()
    return page
