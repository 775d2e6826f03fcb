"""`manage.py startmodule`: a new module cloned from the gold standard, cc.

What is cloned is cc's *module shape*: definition, L1 memory tables, services, selectors, API
(logs, prompt traces, notes, health), admin with an overview page, events (the notes cleanup),
templates, static files, locales and tests. What is cc's alone is left out:
- whole files listed in CC_ONLY (Redis health, the dashboard, governance tests, ...);
- blocks between `# >>> cc only` and `# <<< cc only` lines (or `{# ... #}` in templates): the
  module registry, governance, the dashboard, ping/system-health/config.
Names are rewritten (`cc` -> code, `Cc` -> CamelCode, "Control Center" -> the display name);
imports left unused by the removed blocks are dropped by ruff; migrations and the module map
are generated fresh by Django and `modulemap` once the folder is in place.

Built in a temporary folder next to apps/ and moved in whole; if a later step fails, the new
folder is removed again, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import io
import keyword
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polib

from apps.core.modules import CODE_PATTERN

GOLD_STANDARD = "cc"
GOLD_STANDARD_NAME = "Control Center"
# Files of cc that are not part of the module shape (paths relative to apps/cc/).
CC_ONLY = (
    "health.py",
    "module_map.yaml",
    "templatetags/",
    "templates/cc/admin/index.html",
    "templates/cc/admin/change_state.html",
    "static/cc/admin/",
    "tests/test_governance.py",
    "tests/test_modules_api.py",
    "tests/test_dashboard.py",
    "tests/conftest.py",
)
NEVER_COPIED = re.compile(r"(^|/)(__pycache__|\.[^/]*)(/|$)|\.(pyc|mo)$|^migrations/\d{4}_")
TEXT_SUFFIXES = {".py", ".html", ".css", ".js", ".txt", ".md", ".yaml", ".yml", ".json"}
BLOCK_BEGIN = re.compile(r"^\s*(#|\{#)\s*>>> cc only")
BLOCK_END = re.compile(r"^\s*(#|\{#)\s*<<< cc only")
CODE_WORD = re.compile(r"(?<![A-Za-z0-9])cc(?![A-Za-z0-9])")
CAMEL_WORD = re.compile(r"(?<![A-Za-z0-9])Cc(?=[A-Z])")
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


def camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


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


def rename(text: str, code: str, name: str) -> str:
    text = text.replace(GOLD_STANDARD_NAME, name)
    text = CAMEL_WORD.sub(camel(code), text)
    return CODE_WORD.sub(code, text)


def without_cc_only_blocks(text: str, shown: str) -> str:
    kept: list[str] = []
    inside = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if BLOCK_BEGIN.match(line):
            if inside:
                raise StartModuleError(f"{shown}:{number}: a cc-only block opens twice.")
            inside = True
        elif BLOCK_END.match(line):
            if not inside:
                raise StartModuleError(f"{shown}:{number}: a cc-only block closes unopened.")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise StartModuleError(f"{shown}: a cc-only block is never closed.")
    return "".join(kept)


def shape_files(source: Path) -> list[Path]:
    """cc's files that make up the module shape, relative to cc's folder."""
    found = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_dir() or NEVER_COPIED.search(relative):
            continue
        if any(relative == cc or relative.startswith(cc) for cc in CC_ONLY if cc.endswith("/")):
            continue
        if relative in CC_ONLY:
            continue
        found.append(path.relative_to(source))
    return found


def _catalog(source: Path, target: Path, code: str, name: str, kept: set[str]) -> None:
    """A locale of the new module: cc's entries used by the shape, renamed, compiled."""
    catalog = polib.pofile(str(source))
    for entry in list(catalog):
        used = [(path, line) for path, line in entry.occurrences if path in kept]
        if entry.occurrences and not used:
            catalog.remove(entry)
            continue
        renamed = rename(entry.msgid, code, name)
        if renamed != entry.msgid:  # a new text: cc's translation no longer fits
            entry.msgid, entry.msgstr = renamed, ""
        entry.occurrences = [(rename(path, code, name), line) for path, line in used]
    target.parent.mkdir(parents=True, exist_ok=True)
    catalog.save(str(target))
    catalog.save_as_mofile(str(target.with_suffix(".mo")))


def build(code: str, name: str, source: Path, target: Path) -> list[Path]:
    """Write the new module into `target` (an empty folder); return the files written."""
    files = shape_files(source)
    kept = {path.as_posix() for path in files}
    written: list[Path] = []
    for relative in files:
        destination = target / rename(relative.as_posix(), code, name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        origin = source / relative
        if origin.suffix == ".po":
            _catalog(origin, destination, code, name, kept)
            written += [destination, destination.with_suffix(".mo")]
            continue
        if origin.suffix in TEXT_SUFFIXES:
            text = without_cc_only_blocks(origin.read_text(), f"apps/cc/{relative}")
            destination.write_text(rename(text, code, name))
        else:
            shutil.copyfile(origin, destination)
        written.append(destination)
    _tidy_python(target)
    return [path.relative_to(target) for path in written]


def _tidy_python(folder: Path) -> None:
    """Drop the imports the removed blocks used (ruff, F401), sort and format; then make sure
    every file compiles."""
    # While it is built outside apps/, ruff can't tell the new package is first-party.
    ruff = [sys.executable, "-m", "ruff"]
    first_party = ["--config", "lint.isort.known-first-party = ['apps']"]
    steps = [
        [*ruff, "check", "--quiet", "--fix", "--select", "F401,I", *first_party, str(folder)],
        [*ruff, "format", "--quiet", str(folder)],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise StartModuleError(f"startmodule needs ruff (uv sync): {exc}") from exc
        if done.returncode != 0:
            raise StartModuleError(f"ruff failed on the new module:\n{done.stdout}{done.stderr}")
    for path in folder.rglob("*.py"):
        try:
            compile(path.read_text(), str(path), "exec")
        except SyntaxError as exc:
            raise StartModuleError(f"The new module does not compile: {exc}") from exc


def finish(code: str, apps_dir: Path) -> None:
    """Install the new module in this process's app registry (Django's own override, as
    override_settings(INSTALLED_APPS=...) does), then generate its migrations and module map
    and run every system check. Saves starting a second process."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    from apps.core.discovery import discover_modules

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
    source = apps_dir / GOLD_STANDARD
    folder = apps_dir / code
    staging = Path(tempfile.mkdtemp(prefix=".startmodule-", dir=None if dry_run else project))
    try:
        built = build(code, name, source, staging / code)
        files = tuple(Path("apps") / code / path for path in built)
        if dry_run:
            return NewModule(code, name, folder, files)
        shutil.move(staging / code, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        finish(code, apps_dir)
        _tidy_python(folder)  # the generated migrations too
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    generated = sorted(
        path.relative_to(project)
        for path in [*folder.glob("migrations/0*.py"), folder / "module_map.yaml"]
    )
    return NewModule(code, name, folder, tuple(sorted({*files, *generated})))
