"""The L1 memory tables: abstract models each module makes concrete in its `mem0_<code>` schema
(four one-line subclasses, see apps/cc/models.py), and the lookup of a module's concrete models
by its code, which every other part of the kit goes through.

Relations name "BaseLog" without an app label, so each module's EventLog and PromptTrace point
at that module's own BaseLog.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.apps import apps
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.search.terms import search_vector

SCRATCH_NOTE_TTL = timedelta(days=7)


class Level(models.TextChoices):
    DEBUG = "debug", _("debug")
    INFO = "info", _("info")
    WARNING = "warning", _("warning")
    ERROR = "error", _("error")
    CRITICAL = "critical", _("critical")


class AbstractBaseLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    message = models.TextField(_("message"))
    payload = models.JSONField(_("payload"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-timestamp"]
        verbose_name = _("log")
        verbose_name_plural = _("logs")
        indexes = [
            models.Index(fields=["level", "timestamp"], name="%(app_label)s_log_level_idx"),
            # Full-text search (apps.core.search.memory.LOG_FIELDS): the same expression.
            GinIndex(search_vector("message"), name="%(app_label)s_log_search"),
        ]

    def __str__(self) -> str:
        return f"[{self.level}] {self.message[:60]}"


class AbstractEventLog(models.Model):
    # "BaseLog" resolves in each concrete module; django-stubs cannot follow it from here.
    base_log = models.OneToOneField(  # type: ignore[misc]
        "BaseLog", on_delete=models.CASCADE, related_name="event"
    )
    event_type = models.CharField(_("event type"), max_length=100, db_index=True)
    event_data = models.JSONField(_("event data"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=128, db_index=True)
    trace_id = models.CharField(_("trace id"), max_length=64, blank=True, db_index=True)

    class Meta:
        abstract = True
        verbose_name = _("event log")
        verbose_name_plural = _("event logs")

    def __str__(self) -> str:
        return f"{self.event_type} ({self.request_id})"


class AbstractPromptTrace(models.Model):
    base_log = models.OneToOneField(  # type: ignore[misc]
        "BaseLog", on_delete=models.CASCADE, related_name="prompt"
    )
    prompt_text = models.TextField(_("prompt"))
    response_text = models.TextField(_("response"), blank=True)
    execution_time_ms = models.FloatField(_("execution time (ms)"), null=True, blank=True)
    token_count = models.PositiveIntegerField(_("tokens"), null=True, blank=True)

    class Meta:
        abstract = True
        verbose_name = _("prompt trace")
        indexes = [
            GinIndex(
                search_vector("prompt_text", "response_text"), name="%(app_label)s_prompt_search"
            )
        ]
        verbose_name_plural = _("prompt traces")

    def __str__(self) -> str:
        return self.prompt_text[:60]


def default_note_expiry() -> datetime:
    return timezone.now() + SCRATCH_NOTE_TTL


class AbstractScratchNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(_("key"), max_length=255, db_index=True)
    content = models.TextField(_("content"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), default=default_note_expiry, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        verbose_name = _("scratch note")
        indexes = [GinIndex(search_vector("key", "content"), name="%(app_label)s_note_search")]
        verbose_name_plural = _("scratch notes")

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class MemoryModels:
    base_log: type[AbstractBaseLog]
    event_log: type[AbstractEventLog]
    prompt_trace: type[AbstractPromptTrace]
    scratch_note: type[AbstractScratchNote] | None


class NoMemory(LookupError):
    """The module has no concrete L1 memory models."""


@cache
def memory_models(module: str) -> MemoryModels:
    try:
        found = list(apps.get_app_config(module).get_models())
    except LookupError as exc:
        raise NoMemory(f"No installed module {module!r}.") from exc

    def concrete(abstract: type[models.Model]) -> type | None:
        return next((m for m in found if issubclass(m, abstract)), None)

    base_log, event_log = concrete(AbstractBaseLog), concrete(AbstractEventLog)
    prompt_trace = concrete(AbstractPromptTrace)
    if base_log is None or event_log is None or prompt_trace is None:
        raise NoMemory(f"Module {module!r} has no L1 memory models (mem0_{module}).")
    return MemoryModels(base_log, event_log, prompt_trace, concrete(AbstractScratchNote))


def memory_modules() -> list[str]:
    """The codes of the installed modules with L1 memory, in registry order."""
    from apps.core.modules.registry import modules

    found = []
    for definition in modules():
        try:
            memory_models(definition.code)
        except NoMemory:
            continue
        found.append(definition.code)
    return found
