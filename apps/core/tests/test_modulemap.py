"""The module map: `modulemap` writes it from the code, the same text every time; `--check` and
the system check cos.E004 catch a map that no longer matches the code."""

import dataclasses
import shutil
from io import StringIO

import pytest
import yaml
from django.conf import settings
from django.core import checks
from django.core.management import CommandError, call_command

from apps.core.architecture import checks as architecture_checks
from apps.core.architecture.rules import current_module_map
from apps.core.architecture.sources import source_for
from apps.core.management.commands import modulemap as modulemap_command
from apps.core.modules.registry import get_module_config

SECTIONS = [
    "module",
    "structure",
    "api_endpoints",
    "websockets",
    "database",
    "events",
    "integrations",
]


@pytest.fixture
def copy_of(tmp_path, monkeypatch):
    """An installed module (its real config and code) whose folder is copied under tmp_path, so
    maps are written there; `modulemap` and the system check see the copies."""
    copies = []

    def copy(label, folder):
        real = source_for(get_module_config(label))
        target = tmp_path / folder
        ignore = shutil.ignore_patterns("__pycache__", "module_map.yaml")
        shutil.copytree(real.path, target, ignore=ignore)
        copies.append(dataclasses.replace(real, path=target, root=tmp_path))
        return copies[-1]

    def installed(codes=()):
        return [source for source in copies if not codes or source.code in codes]

    monkeypatch.setattr(modulemap_command, "installed_sources", installed)
    monkeypatch.setattr(architecture_checks, "installed_sources", installed)
    return copy


def fresh(source):
    """The same module read again (a source reads its files once)."""
    return dataclasses.replace(source)


def run_modulemap(*args):
    out = StringIO()
    call_command("modulemap", *args, stdout=out)
    return out.getvalue()


def test_modulemap_writes_the_map_from_the_code(copy_of):
    probe = copy_of("probe", "probe")
    assert run_modulemap("probe") == "probe/module_map.yaml: written\n"
    data = yaml.safe_load(probe.map_path.read_text())
    assert list(data) == SECTIONS
    assert data["module"] | {"description": ""} == {
        "code": "probe",
        "name": "Probe",
        "version": "1.0.0",
        "description": "",
        "kind": "optional",
        "requires": ["core"],
        "schemas": ["probe", "mem0_probe"],
    }
    structure = {entry["path"]: entry for entry in data["structure"]}
    assert structure["apps.py"]["role"] == "module definition"
    assert structure["services.py"]["dependencies"] == [
        "apps.core",
        "django",
        "tests.modules.probe",
    ]
    assert "migrations/__init__.py" in structure and "module_map.yaml" not in structure
    items = next(e for e in data["api_endpoints"] if e["path"] == "/api/probe/items/")
    assert items["methods"] == ["GET", "POST"] and items["name"] == "probe:item-list"
    boom = next(e for e in data["api_endpoints"] if e["path"] == "/api/probe/items/boom/")
    assert boom["purpose"] == "Fails on purpose: the JSON 500 shape is tested against it."
    assert [ws["path"] for ws in data["websockets"]] == ["/ws/probe/echo/"]
    assert {"schema": "mem0_probe", "table": "item_note", "model": "ItemNote"} in data["database"][
        "tables"
    ]
    assert data["events"]["emits"] == ["probe.item.created", "probe.test.event"]
    assert data["integrations"]["requires"] == ["core"]


def test_the_map_is_the_same_text_every_time_and_holds_nothing_volatile(copy_of):
    probe = copy_of("probe", "probe")
    run_modulemap("probe")
    first = probe.map_path.read_bytes()
    assert run_modulemap("probe") == "probe/module_map.yaml: up to date\n"
    assert probe.map_path.read_bytes() == first
    text = first.decode()
    assert str(probe.path.parent) not in text and str(settings.BASE_DIR) not in text


def test_without_codes_every_module_under_apps_is_mapped(copy_of):
    cc = copy_of("cc", "apps/cc")
    probe = copy_of("probe", "probe")
    assert run_modulemap() == "apps/cc/module_map.yaml: written\n"
    assert cc.map_path.exists() and not probe.map_path.exists()


def test_check_prints_the_diff_exits_1_and_writes_nothing(copy_of):
    probe = copy_of("probe", "probe")
    run_modulemap("probe")
    stale = probe.map_path.read_text().replace("name: Probe", "name: Old probe")
    probe.map_path.write_text(stale)
    out = StringIO()
    with pytest.raises(CommandError, match="out of date: probe") as failed:
        call_command("modulemap", "probe", "--check", stdout=out)
    assert failed.value.returncode == 1
    diff = out.getvalue()
    assert diff.startswith("--- a/probe/module_map.yaml\n+++ b/probe/module_map.yaml\n")
    assert "-  name: Old probe\n+  name: Probe\n" in diff
    assert probe.map_path.read_text() == stale


def test_check_is_quiet_when_the_map_matches(copy_of):
    copy_of("probe", "probe")
    run_modulemap("probe")
    assert run_modulemap("probe", "--check") == ""


def test_a_change_in_the_code_makes_the_map_stale(copy_of):
    probe = copy_of("probe", "probe")
    run_modulemap("probe")
    assert current_module_map(fresh(probe), {}) == []
    (probe.path / "graph.py").write_text('"""The probe\'s graph."""\n')
    [violation] = current_module_map(fresh(probe), {})
    assert violation.file == "probe/module_map.yaml" and violation.line
    assert "uv run manage.py modulemap probe" in violation.hint


def test_the_system_check_reports_a_stale_or_missing_map(copy_of):
    cc = copy_of("cc", "apps/cc")

    def map_errors():
        return [(e.id, e.obj) for e in checks.run_checks(tags=["cos"]) if e.id == "cos.E004"]

    assert map_errors() == [("cos.E004", "apps/cc/module_map.yaml")]  # missing
    run_modulemap("cc")
    assert map_errors() == []
    text = cc.map_path.read_text()
    cc.map_path.write_text(text.replace("code: cc", "code: cc  # edited by hand"))
    [(rule, where)] = map_errors()
    assert rule == "cos.E004" and where.startswith("apps/cc/module_map.yaml:")


def test_unknown_codes_are_refused():
    with pytest.raises(CommandError, match="ghost"):
        run_modulemap("ghost")
