"""The canon in the admin: every table read-only (nothing can be added, changed or deleted
here, as in the database), and a PRD's lineage drawn as a timeline (/admin/cos/canon-lineage/
?prd=<key>): its versions, their traces, the links, the archived L3 notes and their L1
citations. Plain HTML and CSS (static/canon/lineage.css), no script."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from apps.canon import selectors
from apps.canon.api.serializers import PRD_KEY
from apps.canon.models import ArchivedNote, EventTrace, MemoryLink, PrdLog, VerificationRun
from apps.core.admin.site import RecordAdmin, register_page

CHAIN_FIELDS = ("seq", "content_hash", "prev_hash", "row_hash")
PROVENANCE_FIELDS = (
    "origin_module", "origin_l1_ids", "origin_note_id", "origin_event_id", "archived_by",
    "agent", "archived_at",
)  # fmt: skip


def lineage_url(prd_key: str) -> str:
    return f"{reverse('admin:cos-canon-lineage')}?{urlencode({'prd': prd_key})}"


class CanonRecordAdmin(RecordAdmin):
    list_filter = ["origin_module", "archived_at"]
    date_hierarchy = "archived_at"
    list_select_related = ["archived_by"]
    ordering = ["-seq"]


@admin.register(PrdLog)
class PrdLogAdmin(CanonRecordAdmin):
    list_display = ["seq", "prd_key", "version", "title", "category", "archived_at", "lineage"]
    list_filter = ["category", *CanonRecordAdmin.list_filter]
    search_fields = ["prd_key", "title", "summary"]

    @admin.display(description=_("lineage"))
    def lineage(self, row: PrdLog) -> str:
        return format_html('<a href="{}">{}</a>', lineage_url(row.prd_key), _("Lineage"))


@admin.register(EventTrace)
class EventTraceAdmin(CanonRecordAdmin):
    list_display = ["seq", "trigger", "prd", "origin_module", "archived_at"]
    search_fields = ["trigger", "prd__prd_key"]
    list_select_related = ["archived_by", "prd"]


@admin.register(MemoryLink)
class MemoryLinkAdmin(CanonRecordAdmin):
    list_display = ["seq", "source_node", "link_type", "target_node", "archived_at"]
    list_filter = ["link_type", *CanonRecordAdmin.list_filter]
    search_fields = ["source_node", "target_node", "rationale"]


@admin.register(ArchivedNote)
class ArchivedNoteAdmin(CanonRecordAdmin):
    list_display = ["seq", "note_id", "version", "title", "origin_module", "archived_at"]
    search_fields = ["note_id", "title", "body"]


@admin.register(VerificationRun)
class VerificationRunAdmin(RecordAdmin):
    list_display = ["checked_at", "ok", "rows_checked", "duration_ms", "problem"]
    list_filter = ["ok"]
    date_hierarchy = "checked_at"


def lineage_view(request: HttpRequest) -> HttpResponse:
    """The page: ?prd=<key> draws that PRD's lineage; without it, the PRDs to choose from."""
    prd_key = request.GET.get("prd", "")
    well_formed = re.fullmatch(PRD_KEY, prd_key) is not None  # no NUL reaches PostgreSQL
    found: dict[str, Any] | None = selectors.lineage(prd_key) if well_formed else None
    context = {
        **admin.site.each_context(request),
        "title": _("Lineage of %(key)s") % {"key": prd_key} if found else _("PRD lineage"),
        "prd_key": prd_key,
        "lineage": found,
        "prd_keys": selectors.prd_keys() if found is None else [],
        "unknown": bool(prd_key) and found is None,
    }
    return TemplateResponse(request, "canon/admin/lineage.html", context)


register_page("canon-lineage", lineage_view, _("PRD lineage"), module="canon")
