"""The module's own tests: what it adds. What it shares with every module with L1 memory
(its API, admin, overview page and notes cleanup) is specified once by core's contract tests,
apps/core/tests/memory_contract/, which run for this module too."""

import pytest
from rest_framework.test import APIClient

from apps.core.memory import memory_modules
from apps.core.modules.registry import get_module_config
from apps.core.testing import user_with_access

CODE = "cms"


def test_it_is_installed_with_l1_memory():
    assert get_module_config(CODE).definition.name == "CMS"
    assert CODE in memory_modules()


@pytest.mark.django_db
def test_its_api_is_mounted(highway):
    api = APIClient()
    api.force_authenticate(user_with_access("viewer", CODE))
    assert api.get(f"/api/{CODE}/status/").json() == {"status": "ok"}
