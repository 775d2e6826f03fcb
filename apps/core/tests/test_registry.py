"""The module registry: definitions, dependency order and clear errors."""

import pytest

from apps.core.modules import registry
from apps.core.modules.definition import (
    ModuleDefinition,
    ModuleDefinitionError,
    ModuleKind,
    ModuleSetting,
)
from apps.core.modules.registry import ModuleRegistryError, dependency_order
from apps.core.modules.settings import resolve_module_settings, settings_from_environment


def define(code, *requires, **extra):
    return ModuleDefinition(code=code, name=code.title(), version="1.0", requires=requires, **extra)


def test_dependency_order_puts_requirements_first():
    ordered = dependency_order([define("c", "b"), define("b", "a"), define("a")])
    assert [d.code for d in ordered] == ["a", "b", "c"]


def test_unknown_requirement_is_a_clear_error():
    with pytest.raises(
        ModuleRegistryError, match="Module 'b' requires 'x', which is not installed"
    ):
        dependency_order([define("a"), define("b", "x")])


def test_cycle_is_a_clear_error_naming_the_cycle():
    with pytest.raises(ModuleRegistryError, match=r"cycle: (a -> b -> a|b -> a -> b)"):
        dependency_order([define("a", "b"), define("b", "a")])


def test_duplicate_codes_are_refused():
    with pytest.raises(ModuleRegistryError, match="share the code 'a'"):
        dependency_order([define("a"), define("a")])


@pytest.mark.parametrize("code", ["Cc", "1cc", "c-c", "", "class", "cc "])
def test_invalid_codes_are_refused(code):
    with pytest.raises(ModuleDefinitionError):
        define(code)


def test_a_module_cannot_require_itself():
    with pytest.raises(ModuleDefinitionError, match="requires itself"):
        define("a", "a")


def test_definition_names_its_schemas():
    definition = define("books", kind=ModuleKind.OPTIONAL)
    assert definition.schemas == ("books", "mem0_books")


def test_registry_lists_installed_modules_in_dependency_order():
    codes = [d.code for d in registry.modules()]
    assert codes.index("core") < codes.index("probe")
    assert registry.get_module_config("probe").definition.emits == (
        "probe.item.created",
        "probe.test.event",
    )
    with pytest.raises(LookupError):
        registry.get_module_config("nope")


def test_module_settings_come_from_the_environment():
    environ = {"COS_PROBE__PAGE_SIZE": "25", "COS_CC__X": "1", "UNRELATED": "x"}
    assert settings_from_environment(environ) == {"probe": {"PAGE_SIZE": "25"}, "cc": {"X": "1"}}


def test_module_settings_apply_defaults_and_casts(settings):
    definition = define("books", settings=(ModuleSetting("LIMIT", default=5, cast=int),))
    settings.COS_MODULE_SETTINGS = {}
    assert resolve_module_settings(definition) == {"LIMIT": 5}
    settings.COS_MODULE_SETTINGS = {"books": {"LIMIT": "9"}}
    assert resolve_module_settings(definition) == {"LIMIT": 9}


def test_a_missing_required_setting_names_module_and_setting(settings):
    definition = define("books", settings=(ModuleSetting("API_KEY"),))
    settings.COS_MODULE_SETTINGS = {}
    with pytest.raises(
        Exception, match=r"Module 'books' requires the setting 'API_KEY'.*COS_BOOKS__API_KEY"
    ):
        resolve_module_settings(definition)


def test_an_invalid_setting_value_is_named(settings):
    definition = define("books", settings=(ModuleSetting("LIMIT", default=1, cast=int),))
    settings.COS_MODULE_SETTINGS = {"books": {"LIMIT": "many"}}
    with pytest.raises(Exception, match=r"Module 'books' setting 'LIMIT' .* invalid value 'many'"):
        resolve_module_settings(definition)


def test_installed_module_settings_are_resolved_at_start_up():
    assert registry.get_module_config("probe").module_settings == {"PAGE_SIZE": 10, "WORKERS": 1}
