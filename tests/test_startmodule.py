"""`manage.py startmodule` and `removemodule` on a copy of the project, as a newcomer runs them.

The copy gets its own database on the configured server, so its migrations, its tests and the
removal touch nothing of this test session.
"""

import ast
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.core.highway.streams import CHANNELS_KEY
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
    # Its sixteen manage.py and pytest runs compile the copy's code once, not each time.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def tables(database_url, schema):
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return sorted(name for (name,) in rows)


def search_indexes(database_url, schema):
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s "
            "AND indexdef LIKE '%%USING gin (to_tsvector(%%'",
            [schema],
        )
        return sorted(name for (name,) in rows)


def registry_rows(connection, name):
    return connection.execute(
        "SELECT count(*) FROM core.modules WHERE name = %s", [name]
    ).fetchone()[0]


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
    # Its L1 memory is searchable across modules at once: core's GIN indexes came with it.
    assert search_indexes(scratch_database, "mem0_books") == [
        "books_log_search", "books_note_search", "books_prompt_search"
    ]  # fmt: skip
    # Its generated tests pass, and core's contract tests run for it too (without a copy).
    generated_tests = run(
        project, env, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA",
        "apps/books", "apps/core/tests/memory_contract", "-k", "books",
    )  # fmt: skip
    assert generated_tests.returncode == 0, generated_tests.stdout[-3000:]
    passed = generated_tests.stdout
    assert "PASSED apps/books/tests/" in passed
    assert "PASSED apps/core/tests/memory_contract/" in passed and "[books" in passed

    # A change to the kit reaches the module already generated, without regenerating it.
    viewsets = project / "apps" / "core" / "memory" / "viewsets.py"
    original = viewsets.read_text()
    viewsets.write_text(original.replace('{"status": "ok"}', '{"status": "ok", "kit": "changed"}'))
    try:
        probe = (  # as a superuser (an unsaved one: no database write); visitors get 401
            "from django.contrib.auth.models import User; "
            "from rest_framework.test import APIClient; api = APIClient(); "
            "api.force_authenticate(User(username='root', is_superuser=True)); "
            "print(api.get('/api/books/status/').json())"
        )
        answer = manage(project, env, "shell", "--no-startup", "-c", probe)
    finally:
        viewsets.write_text(original)
    assert "'kit': 'changed'" in answer

    refused = run(project, env, "manage.py", "removemodule", "books")  # no --yes, no terminal
    assert refused.returncode == 1 and "pass --yes" in refused.stderr
    assert books.is_dir()

    # Another application's view and foreign key point into the module: no silent CASCADE.
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        connection.execute("CREATE VIEW note_keys AS SELECT key FROM mem0_books.scratch_note")
        connection.execute("CREATE SCHEMA shop")
        connection.execute(
            "CREATE TABLE shop.orders (note uuid REFERENCES mem0_books.scratch_note (id))"
        )
    refused = run(project, env, "manage.py", "removemodule", "books", "--yes")
    assert refused.returncode == 1, refused.stdout
    assert "CommandError: Objects outside the schemas of 'books'" in refused.stderr
    assert "view note_keys" in refused.stderr
    assert "constraint orders_note_fkey on table shop.orders" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert books.is_dir() and len(tables(scratch_database, "mem0_books")) == 4
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        assert registry_rows(connection, "books") == 1
        connection.execute("DROP VIEW note_keys")
        connection.execute("DROP SCHEMA shop CASCADE")

    # What the highway holds for books goes with it; another module's stays.
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    other = f"other{uuid.uuid4().hex[:8]}.thing"  # a channel no other test reads
    for channel in ("mem0.recorded.books", other):
        client.xadd(channel, {"event": b"{}"})
        client.xadd(f"dlq:{channel}", {"event": b"{}", "group": b"someone"})
        client.sadd(CHANNELS_KEY, channel)
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        for channel in ("mem0.recorded.books", other):
            connection.execute(
                "INSERT INTO core.outbox (event_id, channel, payload, created_at, stream_id, "
                "attempts, last_error) VALUES (gen_random_uuid(), %s, '{}', now(), '', 0, '')",
                [channel],
            )  # not delivered yet
    output = manage(project, env, "removemodule", "books", "--yes")
    assert "Module 'books' removed." in output
    assert not books.exists()
    assert tables(scratch_database, "mem0_books") == [] and tables(scratch_database, "books") == []
    with psycopg.connect(scratch_database) as connection:
        left = connection.execute("SELECT count(*) FROM django_migrations WHERE app = 'books'")
        assert left.fetchone() == (0,)
        outbox = connection.execute("SELECT channel FROM core.outbox WHERE delivered_at IS NULL")
        assert outbox.fetchall() == [(other,)]
        assert registry_rows(connection, "books") == 0
    assert client.exists("mem0.recorded.books", "dlq:mem0.recorded.books") == 0
    assert client.exists(other, f"dlq:{other}") == 2
    assert not client.sismember(CHANNELS_KEY, "mem0.recorded.books")
    client.delete(other, f"dlq:{other}")
    client.srem(CHANNELS_KEY, other)
    manage(project, env, "check")  # the project runs on without it
    # ... and the name is free again.
    manage(project, env, "startmodule", "books")
    manage(project, env, "migrate", "--noinput")
    assert len(tables(scratch_database, "mem0_books")) == 4


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
    """A project with just cc in apps/: enough for start_module's own steps."""
    shutil.copytree(BASE_DIR / "apps" / "cc", tmp_path / "apps" / "cc", ignore=IGNORED)
    return tmp_path


@pytest.mark.parametrize("failing", ["finish", "ruff after finish"])
def test_a_failure_half_way_leaves_nothing_behind(small_project, monkeypatch, failing):
    from apps.core.scaffold import startmodule

    def fail(*args):
        raise startmodule.StartModuleError("makemigrations failed")

    if failing == "finish":
        monkeypatch.setattr(startmodule, "finish", fail)
    else:
        monkeypatch.setattr(startmodule, "finish", lambda code, apps_dir: None)
        monkeypatch.setattr(startmodule, "_ruff", fail)
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


def test_the_rendered_module_is_lint_clean_even_with_the_longest_code(tmp_path):
    from apps.core.scaffold.startmodule import MAX_CODE_LENGTH, build

    code = "a" * MAX_CODE_LENGTH
    build(code, "A Very Long Module Name For Testing", tmp_path / code)
    config = ["--config", str(BASE_DIR / "pyproject.toml")]
    first_party = ["--config", "lint.isort.known-first-party = ['apps']"]
    for step in (["check"], ["format", "--check"]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *step, *config, *first_party, str(tmp_path)],
            capture_output=True,
            text=True,
        )
        assert lint.returncode == 0, lint.stdout


def python_files(folder):
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts and path.parts[len(folder.parts)] != "migrations"
    }


def test_a_generated_module_and_cc_speak_the_same_file_vocabulary(tmp_path):
    from apps.core.architecture.rules import STANDARD_FILES
    from apps.core.scaffold.startmodule import build

    build("atlas", "Atlas", tmp_path / "atlas")
    generated, cc = tmp_path / "atlas", BASE_DIR / "apps" / "cc"
    for name in STANDARD_FILES:
        assert (generated / name).is_file() and (cc / name).is_file(), name
    # Each file of the new module has its namesake in cc, in the same role (tests aside).
    own = {path for path in python_files(generated) if not path.startswith("tests/")}
    assert own <= python_files(cc), own - python_files(cc)
    locales = {path.parent.parent.name for path in generated.glob("locale/*/LC_MESSAGES/*.mo")}
    assert locales == {"en", "fr", "de", "lb"}


def test_no_file_of_a_module_or_the_template_carries_marker_blocks(tmp_path):
    from apps.core.scaffold.startmodule import TEMPLATE_DIR, build

    build("atlas", "Atlas", tmp_path / "atlas")
    for folder in (BASE_DIR / "apps", TEMPLATE_DIR, tmp_path):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".py", ".html", ".py-tpl", ".po-tpl"}:
                assert "cc only" not in path.read_text(), path


def test_a_display_name_cannot_break_the_rendered_code(tmp_path):
    from apps.core.scaffold.startmodule import build

    name = 'Tom\'s "Books" {{ x }} \\'
    build("atlas", name, tmp_path / "atlas")
    source = (tmp_path / "atlas" / "apps.py").read_text()
    names = [
        ast.literal_eval(node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.keyword) and node.arg == "name"
    ]
    assert names == [name]
