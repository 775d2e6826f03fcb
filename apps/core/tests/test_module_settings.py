"""Module settings at run time: the environment wins, then the registry's `config`, then the
default; a change in the registry reaches every process within the module-state cache window,
without a restart, except for settings declared `restart_required`."""

import asyncio
import time

import pytest

from apps.core.governance import services
from apps.core.governance.models import Module
from apps.core.modules import settings as module_settings
from apps.core.modules.registry import get_module_config
from apps.core.modules.settings import SettingSource, effective_settings, module_setting
from apps.core.runtime.schedule import jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_frozen_settings(monkeypatch):
    """restart_required settings are kept per process: each test starts as a fresh process."""
    monkeypatch.setattr(module_settings, "_frozen", {})


def configure_as_another_process(name, config):
    """A write this process's cache does not hear about, as one made by another process."""
    Module.objects.filter(name=name).update(config=config)


def sources(code):
    return {e.setting.name: (e.value, e.source) for e in effective_settings(code)}


def test_without_environment_or_registry_a_setting_is_its_default(settings):
    settings.COS_MODULE_SETTINGS = {}
    assert module_setting("probe", "PAGE_SIZE") == 10
    assert get_module_config("probe").setting("PAGE_SIZE") == 10
    assert sources("probe")["PAGE_SIZE"] == (10, SettingSource.DEFAULT)


def test_a_registry_change_applies_in_this_process_at_once(settings):
    settings.COS_MODULE_SETTINGS = {}
    settings.COS_MODULE_STATE_CACHE_S = 60
    assert module_setting("probe", "PAGE_SIZE") == 10  # now cached
    services.update_module(Module.objects.get(name="probe"), config={"PAGE_SIZE": "25"})
    assert module_setting("probe", "PAGE_SIZE") == 25  # cast by the setting
    assert sources("probe")["PAGE_SIZE"] == (25, SettingSource.REGISTRY)


def test_another_processs_change_applies_within_the_cache_window(settings):
    settings.COS_MODULE_SETTINGS = {}
    settings.COS_MODULE_STATE_CACHE_S = 0.3
    assert module_setting("probe", "PAGE_SIZE") == 10
    configure_as_another_process("probe", {"PAGE_SIZE": 40})
    assert module_setting("probe", "PAGE_SIZE") == 10  # the cached registry, for a while
    deadline = time.monotonic() + 5
    while module_setting("probe", "PAGE_SIZE") != 40:
        assert time.monotonic() < deadline, "the change never applied"
        time.sleep(0.05)


def test_the_environment_wins_over_the_registry(settings):
    settings.COS_MODULE_SETTINGS = {"probe": {"PAGE_SIZE": "7"}}  # COS_PROBE__PAGE_SIZE=7
    services.update_module(Module.objects.get(name="probe"), config={"PAGE_SIZE": 25})
    assert module_setting("probe", "PAGE_SIZE") == 7
    assert sources("probe")["PAGE_SIZE"] == (7, SettingSource.ENVIRONMENT)


def test_a_restart_required_setting_keeps_its_first_value_in_a_process(settings):
    settings.COS_MODULE_SETTINGS = {}
    assert module_setting("probe", "WORKERS") == 1
    services.update_module(Module.objects.get(name="probe"), config={"WORKERS": 4})
    assert module_setting("probe", "WORKERS") == 1  # until the process restarts
    assert sources("probe")["WORKERS"] == (4, SettingSource.REGISTRY)  # what a restart gives
    module_settings._frozen.clear()  # a restart
    assert module_setting("probe", "WORKERS") == 4


def test_a_registry_value_the_setting_refuses_is_ignored_not_fatal(settings):
    settings.COS_MODULE_SETTINGS = {}
    configure_as_another_process("probe", {"PAGE_SIZE": "many"})  # stored by hand, say
    settings.COS_MODULE_STATE_CACHE_S = 0
    assert module_setting("probe", "PAGE_SIZE") == 10
    [page_size] = [e for e in effective_settings("probe") if e.setting.name == "PAGE_SIZE"]
    assert page_size.source == SettingSource.DEFAULT and "'many'" in (page_size.ignored or "")


def test_an_undeclared_setting_is_a_lookup_error():
    with pytest.raises(LookupError, match="declares no setting 'COLOUR'"):
        module_setting("probe", "COLOUR")


def test_a_periodic_job_can_wait_for_its_modules_setting(settings):
    settings.COS_MODULE_SETTINGS = {}
    settings.COS_MODULE_STATE_CACHE_S = 60
    job = next(job for job in jobs() if job.name == "canon.verify_recent")
    assert job.every_setting == "VERIFY_EVERY" and job.every == 300  # its default
    services.update_module(Module.objects.get(name="canon"), config={"VERIFY_EVERY": 7})
    # Read once here, in the test's transaction: the async read then finds it in the cache
    # (its own connection could not see the uncommitted change).
    assert module_setting("canon", "VERIFY_EVERY") == 7
    assert asyncio.run(job.seconds("canon")) == 7
