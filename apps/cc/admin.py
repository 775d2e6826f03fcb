from django.contrib import admin

from apps.cc.models import BaseLog, EventLog, PromptTrace, ScratchNote


class EventLogInline(admin.StackedInline):
    model = EventLog
    extra = 0
    can_delete = False


class PromptTraceInline(admin.StackedInline):
    model = PromptTrace
    extra = 0
    can_delete = False


@admin.register(BaseLog)
class BaseLogAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "level", "message"]
    list_filter = ["level", "timestamp"]
    search_fields = ["message"]
    date_hierarchy = "timestamp"
    inlines = [EventLogInline, PromptTraceInline]


@admin.register(EventLog)
class EventLogAdmin(admin.ModelAdmin):
    list_display = ["event_type", "request_id", "trace_id", "base_log"]
    list_filter = ["event_type"]
    search_fields = ["event_type", "request_id", "trace_id"]
    list_select_related = ["base_log"]


@admin.register(PromptTrace)
class PromptTraceAdmin(admin.ModelAdmin):
    list_display = ["prompt_text", "execution_time_ms", "token_count"]
    search_fields = ["prompt_text", "response_text"]


@admin.register(ScratchNote)
class ScratchNoteAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at", "expires_at"]
    list_filter = ["expires_at"]
    search_fields = ["key", "content"]
