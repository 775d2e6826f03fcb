import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from apps.core.memory import MemoryModels, memory_models, memory_modules
from apps.core.testing import user_with_access


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test asking for `memory_module` runs for each installed module with L1 memory."""
    if "memory_module" in metafunc.fixturenames:
        metafunc.parametrize("memory_module", memory_modules())


@pytest.fixture
def memory(memory_module: str) -> MemoryModels:
    """The module's concrete L1 tables."""
    return memory_models(memory_module)


@pytest.fixture
def api_root(memory_module: str) -> str:
    return f"/api/{memory_module}"


@pytest.fixture
def api(highway, memory_module):
    """A client of a user who may view and write to the module."""
    client = APIClient()
    client.force_authenticate(user_with_access("author", memory_module, write=True))
    return client


@pytest.fixture
def viewer(highway, memory_module):
    """A client of a user who may view the module."""
    client = APIClient()
    client.force_authenticate(user_with_access("viewer", memory_module))
    return client


@pytest.fixture
def admin_client(client, highway):
    """A superuser "root" signed in to the admin."""
    client.force_login(User.objects.create_superuser("root"))
    return client
