"""serve runs the system checks, but a stale module map only warns there (check still fails)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apps.core.management.commands.serve import Command


@pytest.fixture
def stale_cc_map(monkeypatch):
    """cc's code now says something its committed map doesn't (the file is not touched)."""
    from apps.core.architecture import rules

    real = rules.render
    monkeypatch.setattr(
        rules,
        "render",
        lambda source: real(source) + ("new: line\n" if source.code == "cc" else ""),
    )


def test_serve_warns_about_a_stale_map_and_goes_on(stale_cc_map):
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    command._check()
    warning = command.stderr.getvalue()
    assert "cos.E004" in warning and "module map of 'cc' is out of date" in warning


def test_manage_py_check_fails_on_it(stale_cc_map):
    with pytest.raises(SystemCheckError, match=r"cos\.E004"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
