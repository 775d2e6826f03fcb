"""The kit's admin: a module registers it with one call in its admin.py,

    register_memory_admin("books")

which lists its logs, event logs and prompt traces read-only (RecordAdmin), its notes editable,
and adds its overview page at /admin/cos/<code>/ (titled with the module's verbose name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.admin.site import COSAdminSite, RecordAdmin, RecordInline, register_page
from apps.core.memory.models import memory_models
from apps.core.memory.notes import note_model
from apps.core.memory.queries import memory_overview
from apps.core.modules.registry import contract


class EventLogInline(RecordInline):
    pass


class PromptTraceInline(RecordInline):
    pass


class BaseLogAdmin(RecordAdmin):
    list_display = ["timestamp", "level", "message"]
    list_filter = ["level", "timestamp"]
    search_fields = ["message"]
    date_hierarchy = "timestamp"
    readonly_fields = ["graph_node"]

    @admin.display(description=_("graph node"))
    def graph_node(self, log: Any) -> str:
        """From the record to its node in the graph, when a module draws the graph (the
        `graph.log_node_url` contract): the dashboard's feed links here."""
        node_url = contract("graph.log_node_url")
        if node_url is None or log.pk is None:
            return "-"
        return format_html('<a href="{}">{}</a>', node_url(log.pk), _("show in the graph"))


class EventLogAdmin(RecordAdmin):
    list_display = ["event_type", "request_id", "trace_id", "base_log"]
    list_filter = ["event_type"]
    search_fields = ["event_type", "request_id", "trace_id"]
    list_select_related = ["base_log"]


class PromptTraceAdmin(RecordAdmin):
    list_display = ["prompt_text", "execution_time_ms", "token_count"]
    search_fields = ["prompt_text", "response_text"]


class ScratchNoteAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at", "expires_at"]
    list_filter = ["expires_at"]
    search_fields = ["key", "content"]


def overview_view(module: str) -> Callable[[HttpRequest], HttpResponse]:
    """The module's page in the admin: its L1 memory at a glance."""

    @staff_member_required
    def overview(request: HttpRequest) -> HttpResponse:
        context = {
            **admin.site.each_context(request),
            "title": apps.get_app_config(module).verbose_name,
            "overview": memory_overview(module),
            # Pages about any module (the graph's picture), focused on this one.
            "tools": admin.site.module_tools(request, module)
            if isinstance(admin.site, COSAdminSite)
            else [],
        }
        return TemplateResponse(request, "admin/cos/memory_overview.html", context)

    return overview


def register_memory_admin(
    module: str,
    *,
    base_log_admin: type[BaseLogAdmin] = BaseLogAdmin,
    event_log_admin: type[EventLogAdmin] = EventLogAdmin,
    prompt_trace_admin: type[PromptTraceAdmin] = PromptTraceAdmin,
    scratch_note_admin: type[ScratchNoteAdmin] = ScratchNoteAdmin,
) -> None:
    """Register the kit's admin for `module`; pass a subclass to add to one."""
    found = memory_models(module)
    inlines: list[Any] = [
        type(EventLogInline.__name__, (EventLogInline,), {"model": found.event_log}),
        type(PromptTraceInline.__name__, (PromptTraceInline,), {"model": found.prompt_trace}),
    ]
    with_inlines = type(base_log_admin.__name__, (base_log_admin,), {"inlines": inlines})
    admin.site.register(found.base_log, with_inlines)
    admin.site.register(found.event_log, event_log_admin)
    admin.site.register(found.prompt_trace, prompt_trace_admin)
    admin.site.register(note_model(module), scratch_note_admin)
    register_page(module, overview_view(module), apps.get_app_config(module).verbose_name)
