"""Architecture rules cos.E001-E006: each one catches a module built to break it, and the real
project keeps them all (system check, `modulecheck`, the admin's Architecture page)."""

import inspect
import json
import textwrap
import uuid
from io import StringIO

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.db import models
from django.test.utils import isolate_apps

from apps.core.architecture import cached
from apps.core.architecture import checks as architecture_checks
from apps.core.architecture import imports as architecture_imports
from apps.core.architecture.modulemap import write_map
from apps.core.architecture.rules import (
    RULES,
    STANDARD_FILES,
    cross_module_imports,
    declared_events,
    requirement_violations,
    requirements,
    standard_files,
    table_schemas,
)
from apps.core.architecture.sources import ModuleSource
from apps.core.db.schemas import schema_table
from apps.core.modules.definition import ModuleDefinition

CORE = ModuleDefinition(code="core", name="Core", version="1.0")


def define(code, *requires, **extra):
    return ModuleDefinition(code=code, name=code.title(), version="1.0", requires=requires, **extra)


def make_module(
    root, files=(), code="books", models=(), requires=("core",), parent="apps", **definition
):
    """A module `<parent>/<code>/` under `root` with the given {path: source} files."""
    folder = root / parent / code
    folder.mkdir(parents=True)
    for name, text in dict(files).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return ModuleSource(
        path=folder,
        package=f"{parent}.{code}",
        definition=define(code, *requires, **definition),
        models=tuple(models),
        root=root,
    )


def located(violations):
    return [(v.rule, v.file, v.line) for v in violations]


# --- cos.E001: imports (import-linter) -----------------------------------------------------


class ModulesOnPath:
    """Makes modules under a fresh top-level package on sys.path (import-linter reads imports
    through grimp, which finds packages as Python does)."""

    def __init__(self, root):
        self.root = root
        self.parent = f"arch_{uuid.uuid4().hex[:10]}"
        (root / self.parent).mkdir()
        (root / self.parent / "__init__.py").write_text("")

    def __call__(self, files=(), code="books", **definition):
        source = make_module(self.root, files, code=code, parent=self.parent, **definition)
        for folder in [source.path, *(p for p in source.path.rglob("*") if p.is_dir())]:
            (folder / "__init__.py").touch()
        return source


@pytest.fixture
def modules_on_path(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return ModulesOnPath(tmp_path)


@pytest.mark.parametrize(
    "statement",
    [
        "from apps.cc.models import Module",
        "from apps import cc",
        "import apps.cc.services as cc_services",
        "from ..cc import models",
        "from {parent}.cc.models import Chapter",
        "if TYPE_CHECKING:\n    from apps.cc.models import Module",
        "def later():\n    from apps.cc import selectors",
    ],
)
def test_importing_another_module_is_an_error_naming_file_and_line(modules_on_path, statement):
    modules_on_path({"models.py": "Chapter = None\n"}, code="cc")
    statement = statement.format(parent=modules_on_path.parent)
    source = modules_on_path({"services.py": f"import importlib\n\n{statement}\n"})
    [violation] = cross_module_imports(source, {})
    line = 3 + statement.count("\n")  # the import itself, below an `if` or a `def`
    assert (violation.rule, violation.file, violation.line) == (
        "cos.E001",
        f"{modules_on_path.parent}/books/services.py",
        line,
    )
    assert "imports module" in violation.message and "cc" in violation.message


def test_core_the_module_itself_and_libraries_may_be_imported(modules_on_path):
    source = modules_on_path(
        {
            "models.py": "Chapter = None\n",
            "selectors.py": "",
            "services.py": f"""
                import django
                from rest_framework import serializers
                from apps.core.highway.publisher import publish
                from {modules_on_path.parent}.books.models import Chapter
                from . import selectors
                from .api import views
            """,
            "api/views.py": "from .. import services\nfrom ..models import Chapter\n",
        },
    )
    assert cross_module_imports(source, {}) == []


def test_tests_may_use_the_probe_modules_but_module_code_may_not(modules_on_path):
    probe_import = "from tests.modules.probe.models import Item\n"
    source = modules_on_path({"tests/test_books.py": probe_import, "selectors.py": probe_import})
    assert located(cross_module_imports(source, {})) == [
        ("cos.E001", f"{modules_on_path.parent}/books/selectors.py", 1)
    ]


def test_tests_and_migrations_are_read_too(modules_on_path):
    source = modules_on_path(
        {
            "tests/test_books.py": "from apps.cc.services import log\n",
            "migrations/0001_initial.py": "\n\nfrom apps.cc import models\n",
        },
    )
    assert located(cross_module_imports(source, {})) == [
        ("cos.E001", f"{modules_on_path.parent}/books/migrations/0001_initial.py", 3),
        ("cos.E001", f"{modules_on_path.parent}/books/tests/test_books.py", 1),
    ]


def test_the_rule_is_import_linters_forbidden_contract():
    """No hand-written import parsing: the rule is a contract the library checks."""
    assert "forbidden_imports" in inspect.getsource(cross_module_imports)
    assert "ForbiddenContract" in inspect.getsource(architecture_imports)


# --- cos.E002: tables -----------------------------------------------------------------------


@isolate_apps()
def test_a_table_outside_the_module_schemas_is_an_error(tmp_path):
    class Chapter(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "books"
            db_table = "books_chapter"

    class Borrowed(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "books"
            db_table = schema_table("cc", "borrowed")
            managed = False

    class Note(models.Model):  # noqa: DJ008
        chapters = models.ManyToManyField(Borrowed)

        class Meta:
            app_label = "books"
            db_table = schema_table("mem0_books", "note")

    class PinnedNote(Note):  # noqa: DJ008
        class Meta:
            app_label = "books"
            proxy = True

    through = Note.chapters.through
    source = make_module(tmp_path, models=[Chapter, Borrowed, Note, PinnedNote, through])
    violations = table_schemas(source, {})
    assert [v.message.split(" of ")[0] for v in violations] == [
        "Model books.Chapter",
        "Model books.Borrowed",
    ]
    assert "no schema" in violations[0].message and "'cc'" in violations[1].message
    assert "schema_table('books'" in violations[0].hint


# --- cos.E003: standard files ---------------------------------------------------------------


def test_a_module_lacking_standard_files_is_told_which(tmp_path):
    source = make_module(tmp_path, {"apps.py": "", "models.py": "", "api/urls.py": ""})
    missing = [v.file for v in standard_files(source, {})]
    assert missing == [
        "apps/books/services.py",
        "apps/books/selectors.py",
        "apps/books/api/serializers.py",
        "apps/books/api/views.py",
        "apps/books/admin.py",
        "apps/books/events.py",
        "apps/books/migrations/__init__.py",
        "apps/books/tests/__init__.py",
    ]


def test_core_the_framework_needs_no_selectors_or_admin(tmp_path):
    core = make_module(tmp_path, code="core", requires=())
    missing = {v.file for v in standard_files(core, {})}
    assert "apps/core/services.py" in missing
    assert not missing & {"apps/core/selectors.py", "apps/core/admin.py"}


# --- cos.E005: published events -------------------------------------------------------------

PUBLISHING = """\
from apps.core.highway import publisher
from apps.core.highway.publisher import publish
from apps.core.memory.recording import log_l1

BURNED = "books.chapter.burned"


def declared():
    publish("books.chapter.drafted", {}, source="books")


def undeclared():
    publish("books.chapter.lost", {}, source="books")


def undeclared_through_a_constant():
    publisher.publish(BURNED, {}, source="books")


def memory_without_declaring_it():
    log_l1("books", "chapter.drafted", "Drafted")


def computed(kind):
    publish(kind, {}, source="books")


def as_an_agent():
    publish("books.chapter.lost", {}, source="agent-7")


def as_another_module():
    publish("books.chapter.lost", {}, source="probe")
"""


def test_publishing_an_undeclared_event_type_is_an_error_where_it_is_published(tmp_path):
    source = make_module(
        tmp_path,
        {"services.py": PUBLISHING, "tests/test_x.py": PUBLISHING},
        emits=("books.chapter.drafted",),
    )
    probe = define("probe", emits=("probe.item.created",))
    violations = declared_events(source, {"books": source.definition, "probe": probe})
    assert located(violations) == [
        ("cos.E005", "apps/books/services.py", 13),
        ("cos.E005", "apps/books/services.py", 17),
        ("cos.E005", "apps/books/services.py", 21),
        ("cos.E005", "apps/books/services.py", 33),
    ]
    assert "'books.chapter.burned'" in violations[1].message
    assert "'mem0.recorded' as 'books'" in violations[2].message
    assert "as 'probe'" in violations[3].message  # publish() checks the source's emits


def test_a_publish_lookalike_is_not_a_publish(tmp_path):
    source = make_module(
        tmp_path,
        {"services.py": "def publish(*a, **k): ...\n\npublish('x.y', {}, source='books')\n"},
    )
    assert declared_events(source, {}) == []


# --- cos.E006: requirements -----------------------------------------------------------------


def test_unknown_requirements_are_errors_of_the_modules_naming_them():
    violations = requirement_violations([CORE, define("a", "ghost"), define("b", "core")])
    assert [(v.rule, v.module) for v in violations] == [("cos.E006", "a")]
    assert "Module 'a' requires 'ghost', which is not installed" in violations[0].message


def test_a_cycle_is_an_error_of_each_module_in_it():
    violations = requirement_violations([CORE, define("a", "b"), define("b", "a"), define("c")])
    assert [v.module for v in violations] == ["a", "b"]
    assert all("cycle" in v.message for v in violations)


def test_a_module_sees_only_its_own_requirement_errors(tmp_path):
    source = make_module(tmp_path, code="books")
    modules = {"core": CORE, "a": define("a", "ghost")}
    assert requirements(source, modules) == []
    assert requirement_violations(modules.values()) != []


# --- The real project -----------------------------------------------------------------------


def test_the_installed_modules_keep_every_rule():
    reports = architecture_checks.check_installed()
    assert {"core", "cc", "probe"} <= {report.code for report in reports}
    assert [v for report in reports for v in report.violations] == []
    assert checks.run_checks(tags=["cos"]) == []


def test_completeness_rules_leave_test_only_modules_alone():
    [probe] = architecture_checks.check_installed(["probe"])
    applied = {result.rule.id: result.applied for result in probe.results}
    assert applied == {
        "cos.E001": True,
        "cos.E002": True,
        "cos.E003": False,
        "cos.E004": False,
        "cos.E005": True,
        "cos.E006": True,
    }


@pytest.fixture
def broken_module(modules_on_path, monkeypatch):
    """An installed-looking module `books` that imports cc in line 2 of its services.py."""
    source = modules_on_path({"services.py": "\nfrom apps.cc import models\n"}, requires=())
    monkeypatch.setattr(architecture_checks, "installed_sources", lambda: [source])
    return source


def test_the_system_check_reports_a_violation_with_its_location(broken_module):
    errors = [e for e in checks.run_checks(tags=["cos"]) if e.id == "cos.E001"]
    services = broken_module.shown("services.py")
    assert [(e.obj, e.level) for e in errors] == [(f"{services}:2", checks.ERROR)]
    assert errors[0].hint


def test_modulecheck_prints_json_and_fails_on_an_error(broken_module):
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("modulecheck", "--json", stdout=out)
    assert failed.value.returncode == 1
    [books] = json.loads(out.getvalue())["modules"]
    imports = next(rule for rule in books["rules"] if rule["id"] == "cos.E001")
    [error] = imports["errors"]
    services = broken_module.shown("services.py")
    assert (books["ok"], error["file"], error["line"]) == (False, services, 2)


def test_modulecheck_prints_each_rule_and_passes_on_a_clean_module(tmp_path, monkeypatch):
    standard = [*STANDARD_FILES, "api/__init__.py"]
    source = make_module(tmp_path, {name: "" for name in standard}, requires=())
    write_map(source)
    monkeypatch.setattr(architecture_checks, "installed_sources", lambda: [source])
    out = StringIO()
    call_command("modulecheck", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "books: ok" and len(lines) == 1 + len(RULES)
    assert lines[1] == "  cos.E001 imports only apps.core: ok"
    with pytest.raises(CommandError, match="ghost"):
        call_command("modulecheck", "ghost", stdout=StringIO())


# --- The admin page -------------------------------------------------------------------------


def checked_page(client):
    """The Architecture page once the rules have run (its first request starts them)."""
    client.get("/admin/cos/architecture/")
    assert cached.wait(timeout=60)
    return client.get("/admin/cos/architecture/")


@pytest.mark.django_db
def test_architecture_page_shows_each_module_and_rule(admin_client):
    page = checked_page(admin_client)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="module-cc"' in text and 'id="module-core"' in text
    assert text.count("cos.E006") == len(architecture_checks.installed_sources())  # one per module


@pytest.mark.django_db
def test_architecture_page_names_file_and_line_of_an_error(admin_client, broken_module):
    text = checked_page(admin_client).content.decode()
    services = broken_module.shown("services.py")
    assert f"{services}:2" in text and "imports module apps.cc" in text


@pytest.mark.django_db
def test_architecture_page_is_for_staff_only(client):
    response = client.get("/admin/cos/architecture/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
