import pytest
from django.conf import settings

from tests.serving import scratch_database_url, serve_env


@pytest.fixture
def scratch_database(database_service):
    """A database of its own on the configured server, dropped afterwards."""
    with scratch_database_url() as url:
        yield url


@pytest.fixture
def migrated_database(database_service, redis_service):
    """A scratch database with every migration applied, the probe modules' too (for a serve
    with COS_TEST_MODULES=1): copied from a template migrated once per migrations version."""
    env = serve_env(REDIS_URL=settings.REDIS_URL, COS_TEST_MODULES="1")
    with scratch_database_url(migrated_for=env) as url:
        yield url


@pytest.fixture
def migrated_plain_database(database_service, redis_service):
    """As `migrated_database`, for a serve without the probe modules."""
    with scratch_database_url(migrated_for=serve_env(REDIS_URL=settings.REDIS_URL)) as url:
        yield url
