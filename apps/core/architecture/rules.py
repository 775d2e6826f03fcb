"""The architecture rules, as pure functions over a module source.

Each rule takes the module and the definitions of every known module (for rules that look across
modules) and returns its violations; it never imports the module's code, only reads it with
`ast`, except what needs the installed app (models for E002, URLs and subscribers for E004).

- cos.E001 a module imports another module (only apps.core may be imported)
- cos.E002 a model's table lies outside the module's schemas
- cos.E003 a module lacks a standard file
- cos.E004 the module map is missing or out of date
- cos.E005 an event type is published but not declared in `emits`
- cos.E006 `requires` names an unknown module or forms a cycle
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from graphlib import CycleError
from pathlib import Path

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.architecture.imports import FRAMEWORK, MODULE_PACKAGES, forbidden_imports
from apps.core.architecture.modulemap import render
from apps.core.architecture.sources import MAP_FILE, ModuleSource
from apps.core.db.schemas import split_table
from apps.core.memory.recording import MEMORY_EVENT
from apps.core.modules.definition import ModuleDefinition
from apps.core.modules.registry import ModuleRegistryError, dependency_order, module_configs

PUBLISH = "apps.core.highway.publisher.publish"
# L1 memory writers publish MEMORY_EVENT as the module named by this argument (position, name).
MEMORY_WRITERS = {
    "apps.core.memory.recording.log_l1": (0, "module"),
    "apps.core.memory.recording.log_event": (0, "source"),
}

# What every module under apps/ has. Core is the framework itself: its reads are the registry
# and governance APIs other modules call, and its admin is the admin site (admin_site.py).
STANDARD_FILES = {
    "apps.py": "module definition",
    "models.py": "models",
    "services.py": "writes",
    "selectors.py": "reads",
    "api/serializers.py": "API serializers",
    "api/views.py": "API views",
    "api/urls.py": "API routes",
    "admin.py": "admin",
    "events.py": "event types, subscribers and periodic jobs",
    "migrations/__init__.py": "migrations",
    "tests/__init__.py": "tests",
}  # and module_map.yaml, whose absence cos.E004 reports (once, not twice)
FRAMEWORK_EXEMPT = frozenset({"selectors.py", "admin.py"})

Definitions = Mapping[str, ModuleDefinition]


@dataclass(frozen=True)
class Violation:
    rule: str  # "cos.E001"
    module: str
    message: str
    hint: str
    file: str | None = None  # as shown to people, e.g. "apps/cc/services.py"
    line: int | None = None

    @property
    def location(self) -> str | None:
        if self.file is None:
            return None
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Rule:
    id: str
    title: str | Promise  # translated where it is shown
    check: Callable[[ModuleSource, Definitions], list[Violation]]
    product_only: bool = False  # applies to modules under apps/ only (see is_product_module)

    def applies_to(self, source: ModuleSource) -> bool:
        return not self.product_only or is_product_module(source)


def cross_module_imports(source: ModuleSource, modules: Definitions) -> list[Violation]:
    """cos.E001: the module imports no other module (import-linter's `forbidden` contract, see
    apps.core.architecture.imports); every .py file counts, tests and migrations too."""
    known = [config.name for config in module_configs()]
    return [
        Violation(
            "cos.E001",
            source.code,
            f"Module '{source.code}' imports module {_module_of(found.imported)}.",
            "Modules talk through events (apps.core.highway) and contracts "
            "(apps.core.modules.registry.contract); only apps.core may be imported.",
            source.shown(_relative_file(source, found.importer)),
            found.line,
        )
        for found in forbidden_imports(source.package, known)
    ]


def table_schemas(source: ModuleSource, modules: Definitions) -> list[Violation]:
    """cos.E002: every model's table (unmanaged ones and many-to-many tables too) is
    `"<schema>"."<table>"` in one of the module's schemas. Proxies share their concrete
    model's table and are skipped; so are models without a table."""
    schemas = source.definition.schemas
    found = []
    for model in source.models:
        meta = model._meta
        if meta.proxy or not meta.db_table:
            continue
        schema, _table = split_table(meta.db_table)
        if schema in schemas:
            continue
        where = f"schema '{schema}'" if schema else "no schema (the search path)"
        file, line = _model_location(model, source)
        found.append(
            Violation(
                "cos.E002",
                source.code,
                f"Model {meta.label} of module '{source.code}' has table {meta.db_table!r} "
                f"in {where}, not in {' or '.join(schemas)}.",
                f"Set Meta.db_table = schema_table({schemas[0]!r}, ...) "
                f"(apps.core.db.schemas), or {schemas[1]!r} for L1 memory.",
                file,
                line,
            )
        )
    return found


def standard_files(source: ModuleSource, modules: Definitions) -> list[Violation]:
    """cos.E003: the module has every standard file of the vocabulary (core, the
    framework, has no selectors.py or admin.py of its own). Checks presence, not content."""
    exempt = FRAMEWORK_EXEMPT if source.package == FRAMEWORK else frozenset()
    return [
        Violation(
            "cos.E003",
            source.code,
            f"Module '{source.code}' lacks {name} ({role}).",
            "Every module speaks the same vocabulary; add the file, even if it only holds a "
            "docstring saying why it is empty.",
            source.shown(name),
        )
        for name, role in STANDARD_FILES.items()
        if name not in exempt and not (source.path / name).is_file()
    ]


def current_module_map(source: ModuleSource, modules: Definitions) -> list[Violation]:
    """cos.E004: the module's module_map.yaml is exactly what `modulemap` writes for the
    code as it is."""
    hint = f"Regenerate it: `uv run manage.py modulemap {source.code}` (--check shows the diff)."
    shown = source.shown(MAP_FILE)
    if not source.map_path.is_file():
        message = f"Module '{source.code}' has no module map."
        return [Violation("cos.E004", source.code, message, hint, shown)]
    current = source.map_path.read_text(encoding="utf-8").splitlines()
    wanted = render(source).splitlines()
    if current == wanted:
        return []
    line = next(
        (n for n, (a, b) in enumerate(zip(current, wanted, strict=False), 1) if a != b),
        min(len(current), len(wanted)) + 1,
    )
    message = f"The module map of '{source.code}' is out of date (first difference: line {line})."
    return [Violation("cos.E004", source.code, message, hint, shown, line)]


def declared_events(source: ModuleSource, modules: Definitions) -> list[Violation]:
    """cos.E005: what publish() would refuse at run time, found before it runs. A call to
    `publish(type, ..., source=...)` (or `log_l1` / `log_event`, which publish "mem0.recorded")
    whose type and source are literals or module-level constants must publish a type the
    source module declares in `emits`. Types or sources computed at run time are left to
    publish(), and so are sources that aren't modules (agents, scripts); tests are not read, as
    they publish undeclared types on purpose to test that guard."""
    found = []
    for file in source.python_files:
        if file.relative_path.startswith("tests/"):
            continue
        for call, target in file.calls():
            if target == PUBLISH:
                event_type = file.string_argument(call, 0, "event_type", "type")
                publisher = file.string_argument(call, None, "source")
            elif target in MEMORY_WRITERS:
                event_type = MEMORY_EVENT
                publisher = file.string_argument(call, *MEMORY_WRITERS[target])
            else:
                continue
            definition = (
                source.definition if publisher == source.code else modules.get(publisher or "")
            )
            if event_type is None or definition is None or event_type in definition.emits:
                continue
            found.append(
                Violation(
                    "cos.E005",
                    source.code,
                    f"Module '{source.code}' publishes {event_type!r} as '{publisher}', which "
                    "does not declare it in its definition's emits.",
                    f"Add {event_type!r} to emits in {publisher}'s apps.py, or publish a "
                    "declared type.",
                    source.shown(file.relative_path),
                    call.lineno,
                )
            )
    return found


def requirements(source: ModuleSource, modules: Definitions) -> list[Violation]:
    """cos.E006 for one module: its part of `requirement_violations` over every module."""
    definitions = {**modules, source.code: source.definition}
    return [v for v in requirement_violations(definitions.values()) if v.module == source.code]


def requirement_violations(definitions: Iterable[ModuleDefinition]) -> list[Violation]:
    """cos.E006: what registry.dependency_order refuses (unknown requirements, cycles,
    shared codes), one violation per module involved. Pure: a tool can run it over definitions
    it imported without starting Django's app registry."""
    listed = list(definitions)
    codes = Counter(definition.code for definition in listed)
    hint = "Fix `requires` in the module's apps.py: name installed modules, without cycles."
    found = []
    for definition in listed:
        if set(definition.requires) - codes.keys():
            # Listed first, dependency_order reports this module's unknown requirements.
            error = _order_error([definition, *(d for d in listed if d is not definition)])
            found.append(Violation("cos.E006", definition.code, str(error), hint))
    if found:
        return found
    error = _order_error(listed)
    if error is None:
        return []
    if isinstance(error.__cause__, CycleError):
        involved = set(error.__cause__.args[1])
    else:  # the only other refusal: two modules sharing a code
        involved = {code for code, count in codes.items() if count > 1}
    return [Violation("cos.E006", code, str(error), hint) for code in sorted(involved)]


RULES = (
    Rule("cos.E001", _("imports only apps.core"), cross_module_imports),
    Rule("cos.E002", _("tables in the module's schemas"), table_schemas),
    Rule("cos.E003", _("standard files"), standard_files, product_only=True),
    Rule("cos.E004", _("module map up to date"), current_module_map, product_only=True),
    Rule("cos.E005", _("published events declared"), declared_events),
    Rule("cos.E006", _("requires known modules, no cycle"), requirements),
)


def is_product_module(source: ModuleSource) -> bool:
    """A module under apps/. The test-only modules under tests/modules are fixtures, some
    incomplete on purpose (a module with no API, one that only requires another): the rules on
    completeness (E003, E004) leave them alone, the rules on boundaries (E001, E002, E005,
    E006) hold for them too."""
    return source.package == f"apps.{source.code}"


def _order_error(definitions: list[ModuleDefinition]) -> ModuleRegistryError | None:
    try:
        dependency_order(definitions)
    except ModuleRegistryError as exc:
        return exc
    return None


def _within(dotted: str, package: str) -> bool:
    return dotted == package or dotted.startswith(f"{package}.")


def _module_of(dotted: str) -> str:
    """The module package `dotted` lies in, e.g. "apps.cc" for "apps.cc.models"."""
    for parent in MODULE_PACKAGES:
        if _within(dotted, parent) and dotted != parent:
            return f"{parent}.{dotted.removeprefix(f'{parent}.').split('.', 1)[0]}"
    return dotted


def _relative_file(source: ModuleSource, dotted: str) -> str:
    """The file of the module's `dotted` submodule, relative to the module's folder."""
    parts = dotted.removeprefix(source.package).lstrip(".").split(".")
    package = "/".join([*filter(None, parts), "__init__.py"])
    return package if (source.path / package).is_file() else "/".join(parts) + ".py"


def _model_location(
    model: type[models.Model], source: ModuleSource
) -> tuple[str | None, int | None]:
    """Where the model class is written, when that is inside the module."""
    try:
        path = Path(inspect.getsourcefile(model) or "")
        line = inspect.getsourcelines(model)[1]
        relative = path.resolve().relative_to(source.path.resolve()).as_posix()
    except (OSError, TypeError, ValueError):
        return None, None
    return source.shown(relative), line
