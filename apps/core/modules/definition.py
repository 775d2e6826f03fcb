"""The COS module definition: what every module declares about itself in its AppConfig.

Importable before Django is set up (settings.py uses it for discovery), so it must not touch
models or settings at import time.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from apps.core.demodata.story import DemoStory
    from apps.core.search import SearchHit

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MEMORY_SCHEMA_PREFIX = "mem0_"


class ModuleDefinitionError(ImproperlyConfigured):
    """A module declares something impossible (bad code, bad setting, ...)."""


class ModuleKind(StrEnum):
    CORE = "core"  # always on, cannot be disabled
    OPTIONAL = "optional"  # can be enabled and disabled at run time
    INTERNAL = "internal"  # admin only, no public surface

    @property
    def label(self) -> str:
        """The kind as people read it, in their language (the value is for code and data)."""
        return str(_KIND_LABELS[self])


_KIND_LABELS = {
    ModuleKind.CORE: pgettext_lazy("module kind", "core"),
    ModuleKind.OPTIONAL: pgettext_lazy("module kind", "optional"),
    ModuleKind.INTERNAL: pgettext_lazy("module kind", "internal"),
}


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class ModuleSetting:
    """One setting of a module, read at run time with `apps.core.modules.settings.module_setting`:
    the environment (`COS_<CODE>__<NAME>`) wins, then the registry's `config`, then `default`.

    `restart_required`: the module reads it once per process (e.g. to build something at
    start-up), so a change in the registry applies only after a restart; the admin says so."""

    name: str
    default: Any = REQUIRED
    cast: Callable[[str], Any] = str
    help: str = ""
    restart_required: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def validate_code(code: str) -> None:
    if not CODE_PATTERN.match(code):
        raise ModuleDefinitionError(
            f"Module code {code!r} is invalid: it must match {CODE_PATTERN.pattern}."
        )
    if keyword.iskeyword(code):
        raise ModuleDefinitionError(f"Module code {code!r} is a Python keyword.")


@dataclass(frozen=True)
class ModuleDefinition:
    code: str
    name: str
    version: str
    description: str = ""
    requires: tuple[str, ...] = ()
    kind: ModuleKind = ModuleKind.OPTIONAL
    settings: tuple[ModuleSetting, ...] = ()
    emits: tuple[str, ...] = field(default=())  # event types this module publishes
    consumes: tuple[str, ...] = field(default=())  # event types this module subscribes to

    def __post_init__(self) -> None:
        validate_code(self.code)
        for required in self.requires:
            validate_code(required)
        if self.code in self.requires:
            raise ModuleDefinitionError(f"Module {self.code!r} requires itself.")
        names = [setting.name for setting in self.settings]
        if len(names) != len(set(names)):
            raise ModuleDefinitionError(f"Module {self.code!r} declares a setting twice.")

    @property
    def schema(self) -> str:
        return self.code

    @property
    def memory_schema(self) -> str:
        return f"{MEMORY_SCHEMA_PREFIX}{self.code}"

    @property
    def schemas(self) -> tuple[str, str]:
        return (self.schema, self.memory_schema)


class ModuleConfig(AppConfig):
    """Base AppConfig of every COS module; subclasses set `definition` (and `name`)."""

    definition: ClassVar[ModuleDefinition]
    # Contracts this module provides to others: contract name -> "dotted.path.to.object".
    # Resolved by `apps.core.modules.registry.contract(name)`, so no module imports another.
    contracts: ClassVar[dict[str, str]] = {}
    # URL names of the module's public routes (site_urls.py, AllowAny API views) -> why each is
    # public; anything else open to a visitor fails apps.core.tests.test_access_closed.
    public_routes: ClassVar[dict[str, str]] = {}
    # Dotted path of the module's search of what it keeps beyond L1, in its selectors.py:
    # `(query: str, limit: int) -> list[SearchHit]` (apps.core.search), at most limit + 1 hits
    # of each kind. Core searches every module's L1 memory itself (see search()).
    search_provider: ClassVar[str] = ""
    default_auto_field = "django.db.models.BigAutoField"
    # The settings as the environment and defaults give them at start-up (checked then: a
    # missing required or invalid value stops COS). Read them with module_setting(), which adds
    # the registry's configuration at run time.
    module_settings: dict[str, Any]

    def ready(self) -> None:
        # Imported here: settings are only readable once Django is set up.
        from apps.core.modules.settings import resolve_module_settings

        self.module_settings = resolve_module_settings(self.definition)
        self.import_module_parts()

    def setting(self, name: str) -> Any:
        """The module's setting `name` now (environment, then registry, then default)."""
        from apps.core.modules.settings import module_setting

        return module_setting(self.definition.code, name)

    def health_check(self) -> None:
        """Raise if the module cannot work. Default: each of its tables answers a query.
        Modules override it to check what else they depend on."""
        for model in self.get_models():
            if model._meta.managed:  # an unmanaged model may have no table at all
                model._default_manager.exists()

    def status_report(self) -> dict[str, Any] | None:
        """What the module adds to /status, under "reports" -> its code (None: nothing). Asked
        on every /status request, in a thread: keep it to a cheap read."""
        return None

    def metrics(self) -> Iterable[Metric]:
        """Metric families the module adds to /metrics, read at scrape time (none by default)."""
        return ()

    def search(self, query: str, limit: int) -> list[SearchHit]:
        """What the admin's search box and /api/search/ find here for `query` (already checked,
        apps.core.search.clean_query): its search_provider's hits (what the module curates
        first), then its L1 memory's, when it has one. Best first within each kind; more than
        `limit` says "more" (apps.core.search.run shares the limit among the kinds)."""
        from django.utils.module_loading import import_string

        from apps.core.memory.models import NoMemory
        from apps.core.search.memory import search_memory

        hits = import_string(self.search_provider)(query, limit) if self.search_provider else []
        try:
            return [*hits, *search_memory(self.definition.code, query, limit)]
        except NoMemory:
            return hits

    def demo_after(self) -> tuple[str, ...]:
        """The modules whose part of `manage.py demo` must run before this one's (its story
        builds on their records): its `demo.py`'s AFTER."""
        part = self.part("demo")
        return tuple(getattr(part, "AFTER", ())) if part is not None else ()

    def demo_data(self, story: DemoStory) -> None:
        """Write this module's part of `manage.py demo` (core demodata/story.py) through its own
        services, adding nothing an earlier run wrote: its `demo.py`'s `fill(story)`."""
        part = self.part("demo")
        if part is not None:
            part.fill(story)

    def demo_real_data(self) -> dict[str, int]:
        """The module's records that are not the demo's, by kind (its L1 logs aside: core
        counts those): its `demo.py`'s `real_data()`. `manage.py demo` refuses to write beside
        them unless told --force."""
        part = self.part("demo")
        return dict(part.real_data()) if part is not None else {}

    def import_module_parts(self) -> None:
        """Import the module's `events.py`, where it registers its subscribers, and its
        `graph.py`, where it declares its graph nodes."""
        self.part("events")
        self.part("graph")

    def part(self, dotted: str) -> ModuleType | None:
        """The module's file `dotted` (e.g. "api.urls") imported, None when it has none."""
        return module_part(self.name, dotted)


def module_part(package: str, dotted: str) -> ModuleType | None:
    """`<package>.<dotted>` imported, or None when there is no such file (an error inside an
    existing file still raises)."""
    from importlib import import_module

    from django.utils.module_loading import module_has_submodule

    head, _, tail = dotted.partition(".")
    if not module_has_submodule(import_module(package), head):
        return None
    if tail and not module_has_submodule(import_module(f"{package}.{head}"), tail):
        return None
    return import_module(f"{package}.{dotted}")
