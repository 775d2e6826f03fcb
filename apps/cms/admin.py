"""The CMS in the admin: pages with their four languages side by side (one inline form each),
their images, a preview of the rendered page in each language, and publish / unpublish /
archive actions. Every write goes through apps.cms.services (events); the L1 memory's pages
are the kit's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from apps.cms import selectors, services
from apps.cms.exceptions import CmsError, InvalidInput, PageNotFound
from apps.cms.models import Media, Page, PageTranslation
from apps.core.admin.fields import LabelledFields
from apps.core.memory.admin import register_memory_admin

register_memory_admin("cms")


def _form_errors(form: forms.BaseForm, bad: InvalidInput) -> None:
    for name, problems in bad.errors.items():
        form.add_error(name if name in form.fields else None, problems)


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = ["slug", "parent", "ordering", "published_at"]

    def clean(self) -> dict[str, Any]:
        """The services' checks (slug shape, no page under itself) as the form's errors."""
        cleaned = super().clean() or {}
        fields: dict[str, Any] = {n: cleaned[n] for n in ("slug", "parent") if n in cleaned}
        try:
            services.clean_page_fields(fields, self.instance)
        except InvalidInput as bad:
            _form_errors(self, bad)
        return cleaned


class TranslationForm(forms.ModelForm):
    class Meta:
        model = PageTranslation
        fields = ["language", "title", "body", "seo_description"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.has_changed() and not cleaned.get("DELETE") and "language" in cleaned:
            try:
                services.clean_translation_fields(cleaned["language"], dict(cleaned))
            except InvalidInput as bad:
                _form_errors(self, bad)
        return cleaned


class TranslationInline(admin.StackedInline):
    """The four languages side by side (static/cms/admin/translations.css)."""

    model = PageTranslation
    form = TranslationForm
    max_num = len(settings.LANGUAGES)
    classes = ["cms-translations"]

    class Media:
        css = {"all": ("cms/admin/translations.css",)}

    def get_extra(self, request: HttpRequest, obj: Page | None = None, **kwargs: Any) -> int:
        return len(missing_languages(obj))


def missing_languages(page: Page | None) -> list[str]:
    if page is None or page.pk is None:
        return [code for code, _name in settings.LANGUAGES]
    written = {t.language for t in page.translations.all()}
    return [code for code, _name in settings.LANGUAGES if code not in written]


class MediaForm(forms.ModelForm):
    class Meta:
        model = Media
        fields = ["file", "alt_text"]

    def clean(self) -> dict[str, Any]:
        """The service's size and type limits as form errors, before anything is saved."""
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is not None and not self.instance.pk:
            try:
                services.check_upload(upload, cleaned.get("alt_text") or "")
            except InvalidInput as bad:
                for name, messages in bad.errors.items():
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned


class MediaInline(LabelledFields, admin.TabularInline):
    model = Media
    form = MediaForm
    extra = 1
    fields = ["file", "alt_text", "content_type", "size", "public_url"]
    readonly_fields = ["content_type", "size", "public_url"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an image is replaced by removing it and adding another

    @admin.display(description=_("address"))
    def public_url(self, media: Media) -> str:
        return reverse("cms_root:media", kwargs={"pk": media.pk}) if media.pk else ""


@admin.register(Page)
class PageAdmin(LabelledFields, admin.ModelAdmin):
    form = PageForm
    list_display = ["slug", "title", "status", "parent", "ordering", "published_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["slug", "translations__title"]
    readonly_fields = ["status", "author", "preview", "created_at", "updated_at"]
    fields = ["slug", "parent", "ordering", "published_at", *readonly_fields]
    inlines = [TranslationInline, MediaInline]
    actions = ["publish", "unpublish", "archive"]

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, TranslationInline):  # one blank form per language not yet written
            kwargs["initial"] = [{"language": code} for code in missing_languages(obj)]
        return kwargs

    @admin.display(description=_("title"))
    def title(self, page: Page) -> str:
        found = {t.language: t.title for t in page.translations.all()}
        return found.get(settings.LANGUAGE_CODE) or next(iter(found.values()), "")

    @admin.display(description=_("preview"))
    def preview(self, page: Page) -> SafeString:
        if page.pk is None:
            return format_html("{}", _("Save the page to preview it."))
        return format_html_join(
            " · ",
            '<a href="{}" target="_blank" class="cms-preview-link" lang="{}">{}</a>',
            (
                (reverse("admin:cms_page_preview", args=[page.pk, code]), code, name)
                for code, name in settings.LANGUAGES
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/preview/<str:language>/",
                self.admin_site.admin_view(self.preview_view),
                name="cms_page_preview",
            )
        ]
        return own + super().get_urls()

    def preview_view(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The page as a visitor would see it in `language`, whatever its status."""
        page = get_object_or_404(Page, pk=pk)
        if not self.has_view_permission(request, page):
            raise PermissionDenied
        from django.utils import translation

        from apps.cms import site_views

        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            try:
                view = selectors.page_view(page, language)
            except PageNotFound:
                return site_views.not_found(request)
            context = {
                "view": view,
                "alternates": site_views.alternates(page.slug, view.available),
                "preview": True,
            }
            return TemplateResponse(request, "cms/page.html", context).render()

    def save_model(self, request: HttpRequest, obj: Page, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data.get(name) for name in services.PAGE_FIELDS}
        data["ordering"] = data["ordering"] or 0
        if change:
            services.update_page(Page.objects.get(pk=obj.pk), **data)
        else:
            slug = data.pop("slug")
            obj.pk = services.create_page(slug, **data, author=request.user).pk
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        page = Page.objects.get(pk=formset.instance.pk)
        # What the admin's history message reads (Django's save_formset would set them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() and not inline_form.instance.pk:
                continue
            data = inline_form.cleaned_data
            deleting = data.get("DELETE")
            if formset.model is PageTranslation:
                self._save_translation(request, page, inline_form, data, deleting)
            elif formset.model is Media:
                if deleting and inline_form.instance.pk:
                    services.remove_media(inline_form.instance)
                elif not inline_form.instance.pk and data.get("file"):
                    services.attach_media(page, data["file"], data.get("alt_text", ""))

    def _save_translation(
        self, request: HttpRequest, page: Page, form: Any, data: dict[str, Any], deleting: bool
    ) -> None:
        try:
            if deleting:
                services.delete_translation(page, form.instance.language)
            elif form.has_changed():
                fields = {k: data[k] for k in ("title", "body", "seo_description")}
                services.save_translation(page, data["language"], **fields)
        except CmsError as refused:
            self.message_user(request, refused.detail, messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Page) -> None:
        services.delete_page(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        for page in queryset:
            services.delete_page(page)

    def _each(self, request: HttpRequest, queryset: QuerySet[Page], change: Any, done: str) -> None:
        changed = 0
        for page in queryset:
            try:
                change(page)
                changed += 1
            except CmsError as refused:
                self.message_user(request, f"{page.slug}: {refused.detail}", messages.WARNING)
        if changed:
            self.message_user(request, done % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected pages"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        self._each(request, queryset, services.publish_page, str(_("%(count)d page(s) published.")))

    @admin.action(description=_("Unpublish the selected pages"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        self._each(
            request, queryset, services.unpublish_page, str(_("%(count)d page(s) unpublished."))
        )

    @admin.action(description=_("Archive the selected pages"), permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        self._each(request, queryset, services.archive_page, str(_("%(count)d page(s) archived.")))
