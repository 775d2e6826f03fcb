"""The module registry and the audit trail of governance, in schema `core`.

Until issue 11 they were cc's tables (`cc.modules`, `cc.module_state_change`); migration
core 0004 moved them here with their rows. cc shows them through proxy models, so its admin
URLs and permissions stay cc's; these models have no permissions of their own.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.db.schemas import schema_table


class Module(models.Model):
    """The module registry: a row per installed module (kept in step after each migrate) and
    per module registered through the API (an agent's service, a planned module).

    `active` is the governance state: change it only through governance.services.enable_module
    and disable_module, which apply the rules and write the audit trail."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    version = models.CharField(_("version"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("enabled"), default=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it is in this state."))
    last_active = models.DateTimeField(_("last enabled"), null=True, blank=True)
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = schema_table("core", "modules")
        ordering = ["name"]
        default_permissions = ()
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.name


class StateChangeVia(models.TextChoices):
    ADMIN = "admin", _("admin")
    API = "api", _("API")
    SYSTEM = "system", _("system")


class ModuleStateChange(models.Model):
    """The audit trail of governance: who switched which module from what to what, and why.
    Rows are only ever added; the module's name is kept should the registry row go."""

    module = models.ForeignKey(
        Module, on_delete=models.SET_NULL, null=True, related_name="state_changes"
    )
    module_name = models.CharField(_("module"), max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    via = models.CharField(_("via"), max_length=10, choices=StateChangeVia.choices)
    from_active = models.BooleanField(_("was enabled"))
    to_active = models.BooleanField(_("now enabled"))
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        db_table = schema_table("core", "module_state_change")
        ordering = ["-at", "-id"]
        default_permissions = ()
        verbose_name = _("module state change")
        verbose_name_plural = _("module state changes")

    def __str__(self) -> str:
        change = _("enabled") if self.to_active else _("disabled")
        return f"{self.module_name} {change} {self.at:%Y-%m-%d %H:%M}"


class ModuleSettingChange(models.Model):
    """The audit trail of module settings: who changed which setting of a module's registry
    configuration, from what to what. A row per setting changed; rows are only ever added.
    `from_value` / `to_value` are null when the setting was / is no longer set (its default or
    the environment applies)."""

    module = models.ForeignKey(
        Module, on_delete=models.SET_NULL, null=True, related_name="setting_changes"
    )
    module_name = models.CharField(_("module"), max_length=100, db_index=True)
    setting = models.CharField(_("setting"), max_length=100)
    from_value = models.JSONField(_("was"), null=True, blank=True)
    to_value = models.JSONField(_("now"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    via = models.CharField(_("via"), max_length=10, choices=StateChangeVia.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        db_table = schema_table("core", "module_setting_change")
        ordering = ["-at", "-id"]
        default_permissions = ()
        verbose_name = _("module setting change")
        verbose_name_plural = _("module setting changes")

    def __str__(self) -> str:
        return f"{self.module_name}.{self.setting} {self.at:%Y-%m-%d %H:%M}"
