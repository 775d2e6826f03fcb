"""`manage.py startmodule` and `removemodule` on a copy of the project, as a newcomer runs them.

The copy gets its own database on the configured server, so its migrations, its tests and the
removal touch nothing of this test session.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.serving import BASE_DIR, serve_env

pytestmark = pytest.mark.slow
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "var", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.pyc"
)


def run(project: Path, env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *command], cwd=project, env=env, capture_output=True, text=True
    )


def manage(project, env, *command):
    done = run(project, env, "manage.py", *command)
    assert done.returncode == 0, f"manage.py {' '.join(command)}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    copy = tmp_path_factory.mktemp("cos") / "cos"
    shutil.copytree(BASE_DIR, copy, ignore=IGNORED)
    return copy


@pytest.fixture
def env(project, scratch_database, redis_service, tmp_path):
    env = serve_env(
        DATABASE_URL=scratch_database, REDIS_URL=settings.REDIS_URL, COS_VAR_DIR=str(tmp_path)
    )
    # As on a newcomer's machine: settings chosen by manage.py and conftest.py, not inherited.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def tables(database_url, schema):
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return sorted(name for (name,) in rows)


def test_a_new_module_works_at_once_and_can_be_removed_cleanly(project, env, scratch_database):
    done = run(project, env, "manage.py", "startmodule", "books", "--name", "Books")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr  # the database isn't migrated yet: no noise about it
    output = done.stdout
    assert "Created module 'books' (Books)" in output and "apps/books/api/views.py" in output
    books = project / "apps" / "books"
    assert (books / "migrations" / "0001_initial.py").is_file()
    assert (books / "module_map.yaml").is_file()
    assert "class BooksConfig(ModuleConfig)" in (books / "apps.py").read_text()
    assert not (books / "templatetags").exists() and not (books / "health.py").exists()

    manage(project, env, "check", "--fail-level", "WARNING")
    manage(project, env, "makemigrations", "--check", "--dry-run")
    manage(project, env, "modulemap", "--check")
    # Its serializers are named like cc's (LogSerializer, NoteSerializer...): the OpenAPI
    # document keeps both, without a warning.
    document = manage(project, env, "spectacular", "--validate", "--fail-on-warn")
    assert "    BooksLog:" in document and "    CcLog:" in document
    lint = run(project, env, "-m", "ruff", "check", "apps/books")
    assert lint.returncode == 0, lint.stdout
    manage(project, env, "migrate", "--noinput")
    assert tables(scratch_database, "mem0_books") == [
        "base_log", "event_log", "prompt_trace", "scratch_note"
    ]  # fmt: skip
    generated_tests = run(
        project, env, "-m", "pytest", "-q", "-p", "no:cacheprovider", "apps/books"
    )
    assert generated_tests.returncode == 0, generated_tests.stdout[-3000:]
    assert " passed" in generated_tests.stdout

    refused = run(project, env, "manage.py", "removemodule", "books")  # no --yes, no terminal
    assert refused.returncode == 1 and "pass --yes" in refused.stderr
    assert books.is_dir()
    output = manage(project, env, "removemodule", "books", "--yes")
    assert "Module 'books' removed." in output
    assert not books.exists()
    assert tables(scratch_database, "mem0_books") == [] and tables(scratch_database, "books") == []
    with psycopg.connect(scratch_database) as connection:
        left = connection.execute("SELECT count(*) FROM django_migrations WHERE app = 'books'")
        assert left.fetchone() == (0,)
    manage(project, env, "check")  # the project runs on without it


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Books", "is invalid"),
        ("1books", "is invalid"),
        ("books-2", "is invalid"),
        ("class", "Python keyword"),
        ("cc", "already exists"),
        ("core", "already exists"),
        ("probe", "already exists"),
        ("auth", "is reserved"),
        ("api", "is reserved"),
        ("mem0_books", "is reserved"),
        ("pg_books", "is reserved"),
        ("cos", "is reserved"),
        ("login", "is reserved"),
        ("information_schema", "is reserved"),
        ("b" * 41, "longer than 40"),
    ],
)
@pytest.mark.django_db  # the command reads the module registry
def test_bad_codes_are_refused_and_nothing_is_written(code, message):
    before = sorted(path.name for path in (BASE_DIR / "apps").iterdir())
    with pytest.raises(CommandError, match=message):
        call_command("startmodule", code)
    assert sorted(path.name for path in (BASE_DIR / "apps").iterdir()) == before
    assert not list(BASE_DIR.glob(".startmodule-*"))


@pytest.mark.django_db
def test_a_dry_run_lists_the_files_and_writes_nothing(capsys):
    call_command("startmodule", "atlas", "--dry-run")
    output = capsys.readouterr().out
    assert "Would create module 'atlas' (Atlas)" in output
    assert (
        "apps/atlas/api/urls.py" in output
        and "apps/atlas/locale/fr/LC_MESSAGES/django.mo" in output
    )
    assert not (BASE_DIR / "apps" / "atlas").exists()
    assert not list(BASE_DIR.glob(".startmodule-*"))


@pytest.fixture
def small_project(tmp_path):
    """A project with just the gold standard in apps/: enough for start_module's own steps."""
    shutil.copytree(BASE_DIR / "apps" / "cc", tmp_path / "apps" / "cc", ignore=IGNORED)
    return tmp_path


@pytest.mark.parametrize("failing", ["finish", "tidy after finish"])
def test_a_failure_half_way_leaves_nothing_behind(small_project, monkeypatch, failing):
    from apps.core import startmodule

    def fail(*args):
        raise startmodule.StartModuleError("makemigrations failed")

    if failing == "finish":
        monkeypatch.setattr(startmodule, "finish", fail)
    else:
        monkeypatch.setattr(startmodule, "finish", lambda code, apps_dir: None)
        calls = []
        real_tidy = startmodule._tidy_python

        def tidy_then_fail(folder):
            calls.append(folder)
            if len(calls) == 2:  # the first tidies the staging folder; the second, apps/atlas
                fail()
            real_tidy(folder)

        monkeypatch.setattr(startmodule, "_tidy_python", tidy_then_fail)
    with pytest.raises(startmodule.StartModuleError, match="makemigrations failed"):
        startmodule.start_module("atlas", "Atlas", project=small_project, taken=["cc"])
    assert sorted(p.name for p in small_project.iterdir()) == ["apps"]
    assert sorted(p.name for p in (small_project / "apps").iterdir()) == ["cc"]


@pytest.mark.django_db
def test_a_name_left_in_the_registry_is_refused(highway, settings, small_project):
    from apps.core.governance.services import register_module

    settings.BASE_DIR = small_project  # should it not refuse, it writes there
    register_module(name="atlas", version="1.0")
    with pytest.raises(CommandError, match="registry already has 'atlas'"):
        call_command("startmodule", "atlas")
    assert sorted(p.name for p in (small_project / "apps").iterdir()) == ["cc"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("cc", "core module and cannot be removed"),
        ("core", "core module and cannot be removed"),
        ("probe", "required by 'sidecar'"),
        ("ghost", "No installed module 'ghost'"),
        ("sidecar", "does not live in apps/"),
    ],
)
def test_removemodule_refuses(code, message):
    with pytest.raises(CommandError, match=message):
        call_command("removemodule", code, "--yes")


def test_the_clone_is_lint_clean_even_with_the_longest_code(tmp_path):
    from apps.core.startmodule import MAX_CODE_LENGTH, build

    code = "a" * MAX_CODE_LENGTH
    build(code, "A Very Long Module Name For Testing", BASE_DIR / "apps" / "cc", tmp_path / code)
    config = ["--config", str(BASE_DIR / "pyproject.toml")]
    first_party = ["--config", "lint.isort.known-first-party = ['apps']"]
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *config, *first_party, str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
