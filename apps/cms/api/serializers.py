"""The CMS's API shapes. Its L1 memory's are the kit's (apps.core.memory.serializers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.cms.models import SEO_MAX, SLUG_MAX, TITLE_MAX, Page, PageStatus, PageTranslation
from apps.cms.services import BODY_MAX
from apps.core.rest.limits import MAX_INT32, MAX_INT64

LANGUAGES = [code for code, _name in settings.LANGUAGES]


class TranslationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PageTranslation
        fields = ["language", "title", "body", "seo_description"]


class TranslationInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    body = serializers.CharField(
        max_length=BODY_MAX, allow_blank=True, default="", trim_whitespace=False
    )
    seo_description = serializers.CharField(max_length=SEO_MAX, allow_blank=True, default="")


class PageSerializer(serializers.ModelSerializer):
    translations = TranslationSerializer(many=True, read_only=True)
    author = serializers.CharField(
        source="author.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Page
        fields = [
            "id",
            "slug",
            "status",
            "published_at",
            "ordering",
            "parent",
            "author",
            "created_at",
            "updated_at",
            "translations",
        ]


class PageInputSerializer(serializers.Serializer):
    slug = serializers.RegexField(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=SLUG_MAX)
    # DRF's metaclass moves declared fields off the class: no clash with Field.parent.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        min_value=1, max_value=MAX_INT64, allow_null=True, required=False, help_text="Its id."
    )
    ordering = serializers.IntegerField(min_value=0, max_value=MAX_INT32, required=False)
    published_at = serializers.DateTimeField(allow_null=True, required=False)


class PublicPageSerializer(serializers.Serializer):
    """A published page in one language (`fallback`: shown in the default language instead)."""

    slug = serializers.CharField(source="page.slug")
    parent = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="The parent page's slug, when it is published too."
    )
    published_at = serializers.DateTimeField(source="page.published_at")
    updated_at = serializers.DateTimeField(source="page.updated_at")
    requested = serializers.CharField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, view: Any) -> str | None:
        parent = view.page.parent
        return parent.slug if parent is not None and parent.status == PageStatus.PUBLISHED else None

    language = serializers.CharField()
    fallback = serializers.BooleanField()
    title = serializers.CharField()
    html = serializers.CharField(help_text="The body rendered: sanitised HTML (raw HTML escaped).")
    seo_description = serializers.CharField()
    available = serializers.ListField(child=serializers.CharField())


class PublicQuerySerializer(serializers.Serializer):
    lang = serializers.ChoiceField(choices=LANGUAGES, required=False)
