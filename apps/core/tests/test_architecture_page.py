"""The admin's Architecture page: a picture of the modules, and rule results that are checked
once per version of the code, in the background, never by the page's own request."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from apps.core.architecture import cached, checks, picture
from apps.core.architecture.checks import ModuleReport, RuleResult
from apps.core.architecture.rules import RULES, Violation
from apps.core.architecture.sources import ModuleSource
from apps.core.modules.definition import ModuleDefinition

PAGE = "/admin/cos/architecture/"


@pytest.fixture
def check_runs(monkeypatch):
    """Counts the runs of the rules (the real ones run, over the real core and cc alone, to be
    quick) and starts with nothing remembered."""
    runs = []
    real_check, real_sources = checks.check_modules, checks.installed_sources

    def counted(sources, modules=None):
        runs.append([source.code for source in sources])
        return real_check(sources, modules)

    monkeypatch.setattr(checks, "check_modules", counted)
    monkeypatch.setattr(checks, "installed_sources", lambda: real_sources(["core", "cc"]))
    cached.forget()
    cache.delete(cached.CACHE_PREFIX + cached.fingerprint(checks.installed_sources()))
    yield runs
    cached.wait(timeout=60)


@pytest.mark.django_db
def test_the_page_answers_at_once_while_checking_then_shows_the_results(admin_client, check_runs):
    first = admin_client.get(PAGE).content.decode()
    assert "cos-arch-is-checking" in first and 'id="module-cc"' not in first
    assert 'id="cos-arch-canvas"' in first and "<caption>Modules</caption>" in first
    assert cached.wait(timeout=60)
    assert admin_client.get(PAGE, {"ready": ""}).json() == {"ready": True}
    settled = admin_client.get(PAGE).content.decode()
    assert 'id="module-cc"' in settled and "cos-arch-is-checking" not in settled
    assert "Every module keeps every architecture rule." in settled
    admin_client.get(PAGE)
    assert check_runs == [["core", "cc"]]  # the reports of this code are reused, not rechecked
    cached.forget()  # as a second `serve --workers` process, which has checked nothing
    page = admin_client.get(PAGE).content.decode()
    assert 'id="module-cc"' in page and len(check_runs) == 1  # read from the shared cache


@pytest.mark.django_db
def test_the_system_check_leaves_its_reports_for_the_page(admin_client, check_runs):
    from django.core import checks as django_checks

    assert django_checks.run_checks(tags=["cos"]) == []  # what `serve` runs at start
    page = admin_client.get(PAGE).content.decode()
    assert 'id="module-cc"' in page and len(check_runs) == 1


def test_a_changed_added_or_removed_file_changes_the_fingerprint(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "apps.py").write_text("")
    source = lambda: ModuleSource(folder, "x.books", ModuleDefinition("books", "Books", "1"))  # noqa: E731
    before = cached.fingerprint([source()])
    assert cached.fingerprint([source()]) == before
    stat = (folder / "apps.py").stat()
    os.utime(folder / "apps.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched = cached.fingerprint([source()])
    (folder / "models.py").write_text("")
    added = cached.fingerprint([source()])
    (folder / "models.py").unlink()
    assert len({before, touched, added, cached.fingerprint([source()])}) == 3
    assert cached.fingerprint([source()]) == touched


def test_the_picture_draws_requirements_and_events_with_each_module_state():
    sources = checks.installed_sources()
    broken = Violation("cos.E001", "cc", "imports zk", "don't")
    reports = {
        "cc": ModuleReport("cc", [RuleResult(RULES[0], [broken])]),
        "core": ModuleReport("core", [RuleResult(RULES[0], [])]),
    }
    drawn = picture.elements(sources, reports)
    nodes = {e["data"]["id"]: e["data"] for e in drawn if e["group"] == "nodes"}
    edges = {
        (e["classes"], e["data"]["source"], e["data"]["target"])
        for e in drawn
        if e["group"] == "edges"
    }
    states = {code: nodes[f"module:{code}"]["state"] for code in ("cc", "core", "graph")}
    assert states == {"cc": "error", "core": "ok", "graph": "checking"}
    assert nodes["module:cc"]["failing"] == ["cos.E001"]
    assert ("requires", "module:cc", "module:core") in edges
    assert ("emits", "module:cc", "event:mem0.recorded") in edges
    # graph's subscriber reads mem0.recorded.* (every module's L1 records) and cc.modules
    assert ("consumes", "event:mem0.recorded", "module:graph") in edges
    assert ("consumes", "event:cc.modules", "module:graph") in edges
    unchecked = picture.elements(sources, None)
    assert {e["data"]["state"] for e in unchecked if "module" in e["classes"]} == {"checking"}


def test_cytoscape_is_vendored_in_core_with_its_licence_and_version():
    vendor = Path(settings.BASE_DIR) / "apps" / "core" / "static" / "core" / "vendor"
    assert "Cytoscape Consortium" in (vendor / "LICENSE").read_text()
    readme = (vendor / "README.md").read_text()
    assert re.search(r"cytoscape\.js \d+\.\d+\.\d+", readme) and "npm" in readme
    assert (vendor / "cytoscape.min.js").stat().st_size > 100_000
