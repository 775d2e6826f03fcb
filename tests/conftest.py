import pytest

from tests.serving import scratch_database_url


@pytest.fixture
def scratch_database(database_service):
    """A database of its own on the configured server, dropped afterwards."""
    with scratch_database_url() as url:
        yield url
