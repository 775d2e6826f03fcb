"""cc in the admin: its L1 memory (the kit), the dashboard, the module registry and its audit
trail."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.cc import selectors
from apps.cc.models import Module, ModuleSettingChange, ModuleStateChange
from apps.core.governance import services as governance
from apps.core.governance.models import StateChangeVia
from apps.core.governance.registration import installed_definition
from apps.core.memory.admin import register_memory_admin
from apps.core.modules import access, registry
from apps.core.modules.settings import SettingSource, effective_settings

register_memory_admin("cc")
# The admin index is cc's dashboard (a tile per module and the live feed).
admin.site.index_template = "cc/admin/index.html"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=1000, widget=forms.Textarea
    )


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = ["name", "version", "description", "config"]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        problem = governance.name_problem(name)
        if problem is not None:
            raise forms.ValidationError(problem)
        return name

    def clean_config(self) -> Any:
        config = self.cleaned_data["config"]
        if not isinstance(config, dict):
            raise forms.ValidationError(_("config must be a JSON object."))
        name = self.instance.name if self.instance.pk else self.data.get("name", "")
        problems = governance.config_problems(name, config)
        if problems:
            raise forms.ValidationError(problems)
        return config


class StateChangeInline(admin.TabularInline):
    model = ModuleStateChange
    fields = ("at", "from_active", "to_active", "actor_name", "via", "reason")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-at", "-id"]


class SettingChangeInline(admin.TabularInline):
    model = ModuleSettingChange
    fields = ("at", "setting", "from_value", "to_value", "actor_name", "via")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-at", "-id"]
    verbose_name_plural = gettext_lazy("setting changes")


SOURCE_LABELS = {
    SettingSource.ENVIRONMENT: gettext_lazy("environment"),
    SettingSource.REGISTRY: gettext_lazy("registry"),
    SettingSource.DEFAULT: gettext_lazy("default"),
}


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    """The registry. Modules are enabled and disabled with the actions of the list, which ask
    for a reason and follow the rules of governance."""

    list_display = ["name", "version", "kind", "active", "last_active", "reason"]
    list_filter = ["active"]
    search_fields = ["name", "description"]
    readonly_fields = [
        "active", "reason", "last_active", "settings_in_effect", "created_at", "updated_at"
    ]  # fmt: skip
    actions = ["enable_modules", "disable_modules"]
    inlines = [StateChangeInline, SettingChangeInline]
    form = ModuleForm

    @admin.display(description=gettext_lazy("settings in effect"))
    def settings_in_effect(self, module: Module) -> str:
        """Each declared setting: its value now, where it comes from, whether a change needs a
        restart. The registry's part is `config` above; the environment wins over it."""
        if module.pk is None or installed_definition(module.name) is None:
            return "-"
        rows = [
            {
                "effective": effective,
                "source": SOURCE_LABELS[effective.source],
                "from_environment": effective.source == SettingSource.ENVIRONMENT,
            }
            for effective in effective_settings(module.name, module.config or {})
        ]
        return render_to_string("cc/admin/module_settings.html", {"rows": rows, "module": module})

    @admin.display(description=gettext_lazy("kind"))
    def kind(self, module: Module) -> str:
        definition = installed_definition(module.name)
        return definition.kind.label if definition else _("not installed")

    def get_urls(self) -> list[URLPattern]:
        # The dashboard's data: the admin index's tiles and charts fetch it (staff only; each
        # module's part only for those who may view that module).
        data = path(
            "dashboard-data/",
            self.admin_site.admin_view(dashboard_data),
            name="cc_dashboard_data",
        )
        return [data, *super().get_urls()]

    def get_readonly_fields(self, request: HttpRequest, obj: Module | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "name"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Module, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if change:
                governance.update_module(
                    obj, actor=request.user, via=StateChangeVia.ADMIN, **fields
                )
            else:
                # The admin goes on with `obj` (its log entry, its redirect): make it the row.
                obj.__dict__.update(governance.register_module(**form.cleaned_data).__dict__)
        except governance.RegistryConflict as exc:
            messages.error(request, str(exc))

    def delete_model(self, request: HttpRequest, obj: Module) -> None:
        try:
            governance.delete_module(obj)
        except governance.RegistryConflict as exc:
            messages.error(request, str(exc))

    def has_change_permission(self, request: HttpRequest, obj: Module | None = None) -> bool:
        # Changing the registry (and governance, its actions) needs cc's write permission too,
        # as in the API.
        may_write = access.may_write(request.user, "cc")
        return may_write and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Module | None = None) -> bool:
        installed = obj is not None and installed_definition(obj.name) is not None
        return not installed and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> Any:
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # installed modules go with removemodule only
        return found

    @admin.action(description=gettext_lazy("Enable selected modules"), permissions=["change"])
    def enable_modules(self, request: HttpRequest, queryset: QuerySet[Module]) -> Any:
        return self._change_state(request, queryset, governance.enable_module, enable=True)

    @admin.action(description=gettext_lazy("Disable selected modules"), permissions=["change"])
    def disable_modules(self, request: HttpRequest, queryset: QuerySet[Module]) -> Any:
        return self._change_state(request, queryset, governance.disable_module, enable=False)

    def _change_state(
        self, request: HttpRequest, queryset: QuerySet[Module], change: Any, enable: bool
    ) -> Any:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Enable modules") if enable else _("Disable modules"),
                "modules": queryset,
                "form": form,
                "enable": enable,
                "action": request.POST["action"],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "cc/admin/change_state.html", context)
        # Requirements first when enabling, dependents first when disabling.
        order = [d.code for d in registry.modules()]
        modules = sorted(queryset, key=lambda m: order.index(m.name) if m.name in order else -1)
        for module in modules if enable else reversed(modules):
            try:
                changed = change(
                    module.name,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    via=StateChangeVia.ADMIN,
                )
            except governance.GovernanceRefused as exc:
                messages.error(request, str(exc))
                continue
            for done in changed:
                state = _("enabled") if done.active else _("disabled")
                messages.success(request, _("Module '%(name)s' %(state)s.") % {
                    "name": done.name, "state": state
                })  # fmt: skip
        return None


def dashboard_data(request: HttpRequest) -> HttpResponse:
    """The tiles' state and the charts' data as JSON; ?hours=N (1 to a week) sets how far back
    the charts go (default 24)."""
    try:
        hours = int(request.GET.get("hours", "24"))
    except ValueError:
        hours = 0
    if not 1 <= hours <= selectors.MAX_ACTIVITY_HOURS:
        message = _("hours must be a whole number from 1 to %(most)s.")
        return JsonResponse(
            {"detail": message % {"most": selectors.MAX_ACTIVITY_HOURS}}, status=400
        )
    # One moment for both: the page counts the logs it sees live after it on top.
    until = timezone.now()
    return JsonResponse(
        {
            "today": selectors.start_of_today().isoformat(),
            "tiles": selectors.tile_states(request.user, until),
            "activity": selectors.activity(request.user, hours, until),
        }
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModuleSettingChange)
class ModuleSettingChangeAdmin(ReadOnlyAdmin):
    """The audit trail of module settings: read-only."""

    list_display = ["at", "module_name", "setting", "from_value", "to_value", "actor_name", "via"]
    list_filter = ["via", "module_name", "setting"]
    search_fields = ["module_name", "setting", "actor_name"]
    date_hierarchy = "at"


@admin.register(ModuleStateChange)
class ModuleStateChangeAdmin(ReadOnlyAdmin):
    """The audit trail: read-only."""

    list_display = ["at", "module_name", "from_active", "to_active", "actor_name", "via", "reason"]
    list_filter = ["via", "to_active", "module_name"]
    search_fields = ["module_name", "actor_name", "reason"]
    date_hierarchy = "at"
