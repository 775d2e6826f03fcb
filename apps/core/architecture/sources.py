"""A module as the architecture rules see it: its folder, the package it is imported as, its
definition and, when it is installed, its app config and models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.db import models

from apps.core.architecture.code import PythonFile
from apps.core.modules.definition import ModuleConfig, ModuleDefinition

MAP_FILE = "module_map.yaml"
# Never part of a module's structure: caches, compiled files, and the map itself (it describes
# the rest, and listing itself would change it on its first write).
IGNORED_DIRS = frozenset({"__pycache__"})
IGNORED_SUFFIXES = frozenset({".pyc", ".pyo", ".mo"})


@dataclass(frozen=True)
class ModuleSource:
    path: Path  # the module's folder
    package: str  # the dotted name it is imported as, e.g. "apps.cc"
    definition: ModuleDefinition
    config: ModuleConfig | None = None  # None: not installed, only its files can be read
    models: tuple[type[models.Model], ...] = ()
    root: Path | None = None  # files are shown relative to it; default: the module's parent

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def map_path(self) -> Path:
        return self.path / MAP_FILE

    def shown(self, relative_path: str) -> str:
        """A file of the module as messages name it, e.g. "apps/cc/services.py"."""
        root = self.root or self.path.parent
        try:
            return (self.path / relative_path).relative_to(root).as_posix()
        except ValueError:
            return f"{self.path.name}/{relative_path}"

    @cached_property
    def files(self) -> list[str]:
        """Every file of the module folder (relative, forward slashes, sorted), less caches and
        compiled files, data under tests/ and the module map."""
        found = []
        for path in self.path.rglob("*"):
            relative = path.relative_to(self.path)
            if not path.is_file() or _ignored(relative):
                continue
            found.append(relative.as_posix())
        return sorted(found)

    @cached_property
    def python_files(self) -> list[PythonFile]:
        parsed = (
            PythonFile.parse(self.path / name, name, self._package_of(name))
            for name in self.files
            if name.endswith(".py")
        )
        return [file for file in parsed if file is not None]

    def _package_of(self, relative_path: str) -> str:
        """The package a file's relative imports start from: its folder's dotted name."""
        folders = relative_path.split("/")[:-1]
        return ".".join([self.package, *folders])


def _ignored(relative: Path) -> bool:
    parts = relative.parts
    if any(part in IGNORED_DIRS or part.startswith(".") for part in parts):
        return True
    if relative.suffix in IGNORED_SUFFIXES or relative.as_posix() == MAP_FILE:
        return True
    return parts[0] == "tests" and relative.suffix != ".py"  # test data and fixtures


def source_for(config: ModuleConfig, root: Path | None = None) -> ModuleSource:
    return ModuleSource(
        path=Path(config.path),
        package=config.name,
        definition=config.definition,
        config=config,
        models=tuple(config.get_models(include_auto_created=True)),
        root=root,
    )


def installed_sources(codes: Iterable[str] = ()) -> list[ModuleSource]:
    """Installed modules in dependency order (only `codes`, when given; LookupError for a code
    that isn't installed)."""
    from django.conf import settings

    from apps.core.modules.registry import module_configs

    configs = {config.definition.code: config for config in module_configs()}
    wanted = list(dict.fromkeys(codes)) or list(configs)
    unknown = [code for code in wanted if code not in configs]
    if unknown:
        raise LookupError(f"No installed COS module with code {', '.join(map(repr, unknown))}.")
    root = Path(settings.BASE_DIR)
    return [source_for(configs[code], root) for code in configs if code in wanted]
