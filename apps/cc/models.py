"""The module's tables.

L1 memory (core's abstract models, made concrete) goes to schema mem0_cc, the module's own
tables to schema cc.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.db.schemas import schema_table
from apps.core.governance import models as governance
from apps.core.memory import (
    AbstractBaseLog,
    AbstractEventLog,
    AbstractPromptTrace,
    AbstractScratchNote,
)


class BaseLog(AbstractBaseLog):
    class Meta(AbstractBaseLog.Meta):
        db_table = schema_table("mem0_cc", "base_log")


class EventLog(AbstractEventLog):
    class Meta(AbstractEventLog.Meta):
        db_table = schema_table("mem0_cc", "event_log")


class PromptTrace(AbstractPromptTrace):
    class Meta(AbstractPromptTrace.Meta):
        db_table = schema_table("mem0_cc", "prompt_trace")


class ScratchNote(AbstractScratchNote):
    class Meta(AbstractScratchNote.Meta):
        db_table = schema_table("mem0_cc", "scratch_note")


class Module(governance.Module):
    """The registry as cc's admin shows it: core's table (apps.core.governance), under cc's
    admin URLs (/admin/cc/module/) and permissions (cc.change_module, ...)."""

    class Meta:
        proxy = True
        ordering = ["name"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")


class ModuleStateChange(governance.ModuleStateChange):
    """The audit trail as cc's admin shows it (/admin/cc/modulestatechange/)."""

    class Meta:
        proxy = True
        ordering = ["-at", "-id"]
        verbose_name = _("module state change")
        verbose_name_plural = _("module state changes")


class ModuleSettingChange(governance.ModuleSettingChange):
    """The audit trail of module settings as cc's admin shows it."""

    class Meta:
        proxy = True
        ordering = ["-at", "-id"]
        verbose_name = _("module setting change")
        verbose_name_plural = _("module setting changes")
