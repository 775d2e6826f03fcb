"""serve runs the system checks, but a stale module map only warns there (check still fails)."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apps.core.management.commands.serve import Command


@pytest.fixture
def stale_cc_map():
    path = Path(settings.BASE_DIR) / "apps" / "cc" / "module_map.yaml"
    original = path.read_text()
    path.write_text(original + "stale: true\n")
    yield
    path.write_text(original)


def test_serve_warns_about_a_stale_map_and_goes_on(stale_cc_map):
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    command._check()
    warning = command.stderr.getvalue()
    assert "cos.E004" in warning and "module map of 'cc' is out of date" in warning


def test_manage_py_check_fails_on_it(stale_cc_map):
    with pytest.raises(SystemCheckError, match=r"cos\.E004"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
