"""`manage.py startmodule`: a new module rendered from the module template.

apps/core/scaffold/module_template/ is rendered into the new folder with Django's own `startapp
--template` machinery (TemplateCommand): `*.py-tpl` and `*.po-tpl` files are Django templates
(context: `app_name` = the code, `camel_case_app_name`, `module_name` = the display name,
`module_name_literal` = it as a Python string, `module_name_po` = it escaped for a catalog);
`app_name` in a path becomes the code. The catalogs are then compiled (polib), and migrations
and the module map are generated fresh by Django and `modulemap` once the folder is in place.

What a module shares with every other (its L1 memory: API, admin, overview page, notes
cleanup) is not in the template: it is the kit in apps/core/memory/, which the rendered files
register in one line each, so a fix to the kit reaches every module already generated.

Built in a temporary folder next to apps/ and moved in whole; if a later step fails, the new
folder is removed again, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import io
import json
import keyword
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polib
from django.core.management import CommandError
from django.core.management.templates import TemplateCommand

from apps.core.modules.definition import CODE_PATTERN

TEMPLATE_DIR = Path(__file__).resolve().parent / "module_template"
RENDERED = ["py", "po"]  # the extensions TemplateCommand renders (after renaming *-tpl)
MAX_CODE_LENGTH = 40  # PostgreSQL names are at most 63 bytes; mem0_<code>_<table> must fit
# Codes that would collide with URL prefixes, framework app labels or the memory schemas.
# Admin URL segments too: disabling a module named "login" would redirect /admin/login/.
RESERVED = {
    "admin", "alive", "api", "apps", "auth", "authtoken", "autocomplete", "channels",
    "contenttypes", "cos", "django", "django_filters", "docs", "drf_spectacular", "health",
    "i18n", "information_schema", "jsi18n", "login", "logout", "media", "messages", "metrics",
    "password_change", "password_reset", "ping", "public", "r", "redoc", "rest_framework",
    "schema", "sessions", "static", "staticfiles", "status", "test", "tests", "ws",
}  # fmt: skip
RESERVED_PREFIXES = ("mem0", "pg_")  # memory schemas; PostgreSQL refuses schemas named pg_*


class StartModuleError(Exception):
    """Bad input or a failed step; the message says what to do."""


@dataclass(frozen=True)
class NewModule:
    code: str
    name: str
    folder: Path
    files: tuple[Path, ...]  # relative to the project


def default_name(code: str) -> str:
    return code.replace("_", " ").title()


def validate(
    code: str, apps_dir: Path, taken: Iterable[str], registered: Iterable[str] = ()
) -> None:
    """Refuse a code that can't be a new module. `taken`: installed module codes and app
    labels; `registered`: names in the module registry (their state would carry over)."""
    if not CODE_PATTERN.match(code):
        raise StartModuleError(
            f"Module code {code!r} is invalid: use lower-case letters, digits and underscores, "
            f"starting with a letter ({CODE_PATTERN.pattern})."
        )
    if keyword.iskeyword(code) or keyword.issoftkeyword(code):
        raise StartModuleError(f"Module code {code!r} is a Python keyword.")
    if len(code) > MAX_CODE_LENGTH:
        raise StartModuleError(f"Module code {code!r} is longer than {MAX_CODE_LENGTH} characters.")
    if code in RESERVED or code.startswith(RESERVED_PREFIXES):
        raise StartModuleError(f"Module code {code!r} is reserved.")
    if code in set(taken):
        raise StartModuleError(f"A module or app named {code!r} already exists.")
    if code in set(registered):
        raise StartModuleError(
            f"The module registry already has {code!r} (registered from outside, or removed "
            "with its row kept): delete that row in the admin first."
        )
    if (apps_dir / code).exists():
        raise StartModuleError(f"{apps_dir / code} already exists.")


class _ModuleTemplate(TemplateCommand):
    """startapp's renderer, also renaming catalogs (`django.po-tpl` -> `django.po`)."""

    rewrite_template_suffixes = (*TemplateCommand.rewrite_template_suffixes, (".po-tpl", ".po"))


def build(code: str, name: str, target: Path) -> list[Path]:
    """Render the module into `target` (an empty folder); return the files written."""
    options: dict[str, Any] = {
        "template": str(TEMPLATE_DIR),
        "extensions": RENDERED,
        "files": [],
        "verbosity": 0,
        "module_name": name,
        "module_name_literal": json.dumps(name, ensure_ascii=False),
        "module_name_po": polib.escape(name),
    }
    target.mkdir(parents=True)
    try:
        _ModuleTemplate().handle("app", code, target=str(target), **options)
    except CommandError as exc:  # e.g. a code that is the name of an importable module
        raise StartModuleError(str(exc)) from exc
    for catalog in target.glob("locale/*/LC_MESSAGES/django.po"):
        polib.pofile(str(catalog)).save_as_mofile(str(catalog.with_suffix(".mo")))
    _check_python(target)
    return sorted(path.relative_to(target) for path in target.rglob("*") if path.is_file())


def _check_python(folder: Path) -> None:
    """Make sure every rendered file compiles (a display name can't break the code)."""
    for path in folder.rglob("*.py"):
        try:
            compile(path.read_text(), str(path), "exec")
        except SyntaxError as exc:
            raise StartModuleError(f"The new module does not compile: {exc}") from exc


def _ruff(folder: Path) -> None:
    """Sort imports and format, as the project does: Django writes migrations in its own
    style, and a long code or name may need its lines wrapped."""
    ruff = [sys.executable, "-m", "ruff"]
    for step in ([*ruff, "check", "--quiet", "--fix", "--select", "I", str(folder)],
                 [*ruff, "format", "--quiet", str(folder)]):  # fmt: skip
        try:
            done = subprocess.run(step, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise StartModuleError(f"startmodule needs ruff (uv sync): {exc}") from exc
        if done.returncode != 0:
            raise StartModuleError(f"ruff failed on the new module:\n{done.stdout}{done.stderr}")


def finish(code: str, apps_dir: Path) -> None:
    """Install the new module in this process's app registry (Django's own override, as
    override_settings(INSTALLED_APPS=...) does), then generate its migrations and module map
    and run every system check. Saves starting a second process."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    from apps.core.modules.discovery import discover_modules

    try:
        found = discover_modules((apps_dir, "apps"))
        config_path = next(m.config_path for m in found if m.definition.code == code)
        apps.set_installed_apps([*settings.INSTALLED_APPS, config_path])
        try:
            quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
            call_command("makemigrations", code, skip_checks=True, verbosity=0, **quiet)
            call_command("modulemap", code, verbosity=0, **quiet)
            call_command("check", code, **quiet)  # the rest is checked by `manage.py check`
        finally:
            apps.unset_installed_apps()
    except Exception as exc:  # whatever stops it, the module is taken out again
        raise StartModuleError(f"The new module failed its first start:\n{exc}") from exc


def start_module(
    code: str,
    name: str,
    *,
    project: Path,
    taken: Iterable[str],
    registered: Iterable[str] = (),
    dry_run: bool = False,
) -> NewModule:
    apps_dir = project / "apps"
    validate(code, apps_dir, taken, registered)
    folder = apps_dir / code
    staging = Path(tempfile.mkdtemp(prefix=".startmodule-", dir=None if dry_run else project))
    try:
        built = build(code, name, staging / code)
        files = tuple(Path("apps") / code / path for path in built)
        if dry_run:
            return NewModule(code, name, folder, files)
        shutil.move(staging / code, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        finish(code, apps_dir)
        _ruff(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    generated = sorted(
        path.relative_to(project)
        for path in [*folder.glob("migrations/0*.py"), folder / "module_map.yaml"]
    )
    return NewModule(code, name, folder, tuple(sorted({*files, *generated})))
