"""Discovery: every package under a modules folder with a module definition is installed."""

import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core.modules.discovery import discover_modules

APPS_PY = """
from apps.core.modules.definition import ModuleConfig, ModuleDefinition

class {cls}(ModuleConfig):
    name = "{package}.{code}"
    definition = ModuleDefinition(code="{code}", name="{code}", version="1.0", requires={requires})
"""


@pytest.fixture
def modules_folder(tmp_path, monkeypatch):
    """An importable, uniquely named package to put fake modules in."""
    package = f"cosfake_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield folder, package
    for name in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[name]


def add_module(folder: Path, package: str, code: str, requires=(), apps_py: str | None = None):
    module_dir = folder / code
    module_dir.mkdir()
    (module_dir / "__init__.py").write_text("")
    source = (
        apps_py
        if apps_py is not None
        else APPS_PY.format(
            cls=f"{code.title()}Config", package=package, code=code, requires=tuple(requires)
        )
    )
    (module_dir / "apps.py").write_text(textwrap.dedent(source))


def test_finds_every_module_in_dependency_order(modules_folder):
    folder, package = modules_folder
    add_module(folder, package, "alpha", requires=("zeta",))
    add_module(folder, package, "zeta")
    found = discover_modules((folder, package))
    assert [m.definition.code for m in found] == ["zeta", "alpha"]
    assert found[1].config_path == f"{package}.alpha.apps.AlphaConfig"


def test_skips_packages_without_a_module_definition(modules_folder):
    folder, package = modules_folder
    add_module(folder, package, "plain", apps_py="X = 1\n")
    (folder / "no_apps_py").mkdir()
    (folder / "no_apps_py" / "__init__.py").write_text("")
    assert discover_modules((folder, package)) == []


def test_a_module_that_fails_to_import_is_named(modules_folder):
    folder, package = modules_folder
    add_module(folder, package, "broken", apps_py="import does_not_exist_anywhere\n")
    with pytest.raises(ImproperlyConfigured, match=r"COS module 'broken' .* failed to load"):
        discover_modules((folder, package))


def test_an_invalid_definition_is_named(modules_folder):
    folder, package = modules_folder
    add_module(
        folder,
        package,
        "badcode",
        apps_py=APPS_PY.format(cls="C", package=package, code="Bad-Code", requires=()),
    )
    with pytest.raises(ImproperlyConfigured, match=r"COS module 'badcode' .*'Bad-Code' is invalid"):
        discover_modules((folder, package))


def test_the_code_must_be_the_folder_name(modules_folder):
    folder, package = modules_folder
    add_module(
        folder,
        package,
        "here",
        apps_py=APPS_PY.format(cls="C", package=package, code="there", requires=()),
    )
    with pytest.raises(ImproperlyConfigured, match="code must be its folder name"):
        discover_modules((folder, package))


def test_missing_requirement_stops_discovery(modules_folder):
    folder, package = modules_folder
    add_module(folder, package, "needy", requires=("ghost",))
    with pytest.raises(
        ImproperlyConfigured, match="'needy' requires 'ghost', which is not installed"
    ):
        discover_modules((folder, package))


def test_the_project_installs_discovered_modules(settings):
    assert "apps.core.apps.CoreConfig" in settings.INSTALLED_APPS
    assert "tests.modules.probe.apps.ProbeConfig" in settings.INSTALLED_APPS
    core = settings.INSTALLED_APPS.index("apps.core.apps.CoreConfig")
    assert core < settings.INSTALLED_APPS.index("tests.modules.probe.apps.ProbeConfig")
