"""Notes in the admin: search, a tag filter, links and citations shown read-only, and the body
edited beside its live Markdown preview (markdown-it in the browser, html off), with the
server's rendering on the change page. Saving goes through apps.zk.services (events)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import Func, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from apps.core.admin.site import RecordInline
from apps.zk import services
from apps.zk.exceptions import InvalidInput
from apps.zk.models import Citation, Note, NoteLink
from apps.zk.rendering import render_markdown


class MarkdownPreviewWidget(forms.Textarea):
    """A textarea with its rendered preview beside it (static/zk/admin/preview.js)."""

    template_name = "zk/admin/markdown_preview_widget.html"

    class Media:
        css = {"all": ("zk/admin/preview.css",)}
        js = ("zk/vendor/markdown-it.min.js", "zk/admin/preview.js")


NOTE_FIELDS = ("title", "body", "tags", "source")


class NoteForm(forms.ModelForm):
    tags = SimpleArrayField(
        forms.CharField(max_length=50),
        required=False,
        help_text=_("Comma-separated short slugs, e.g. plot,chapter-3."),
    )

    class Meta:
        model = Note
        fields = ["title", "body", "tags", "source"]
        widgets = {"body": MarkdownPreviewWidget(attrs={"rows": 20})}

    def clean(self) -> dict[str, Any]:
        """The services' checks (lengths, tags) as the form's errors, not a 500 on save."""
        cleaned = super().clean() or {}
        fields = {name: cleaned[name] for name in NOTE_FIELDS if cleaned.get(name) is not None}
        try:
            cleaned.update(services.clean_note_fields(fields))
        except InvalidInput as bad:
            for name, messages in bad.errors.items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tags = Note.objects.annotate(tag=Func("tags", function="unnest")).values_list("tag")
        return [(tag, tag) for tag in sorted(set(tags.distinct().values_list("tag", flat=True)))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Note]) -> QuerySet[Note]:
        value = self.value()
        return queryset.filter(tags__contains=[value]) if value else queryset


class LinkInline(RecordInline):
    model = NoteLink
    fk_name = "from_note"
    fields = ("type", "to_note", "rationale", "created_at")
    readonly_fields = fields
    verbose_name_plural = _("links to other notes")


class CitationInline(RecordInline):
    model = Citation
    fields = ("module", "kind", "record_id", "recorded_at", "text")
    readonly_fields = fields


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    form = NoteForm
    list_display = ["title", "tag_list", "created_by", "updated_at"]
    list_filter = [TagFilter, "updated_at"]
    search_fields = ["title", "body", "source"]
    readonly_fields = ["rendered", "created_by", "created_at", "updated_at"]
    fields = [
        "title",
        "body",
        "tags",
        "source",
        "rendered",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [LinkInline, CitationInline]

    @admin.display(description=_("tags"))
    def tag_list(self, note: Note) -> str:
        return ", ".join(note.tags)

    @admin.display(description=_("rendered"))
    def rendered(self, note: Note) -> SafeString:
        # render_markdown escapes raw HTML: its output is safe to show as it is.
        return mark_safe(f'<div class="zk-rendered">{render_markdown(note.body)}</div>')  # noqa: S308

    def save_model(self, request: HttpRequest, obj: Note, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in ("title", "body", "tags", "source")}
        if change:
            services.update_note(Note.objects.get(pk=obj.pk), **data)
        else:
            obj.pk = services.create_note(**data, created_by=request.user).pk

    def delete_model(self, request: HttpRequest, obj: Note) -> None:
        services.delete_note(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Note]) -> None:
        for note in queryset:
            services.delete_note(note)
