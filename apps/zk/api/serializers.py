"""The module's API shapes: notes, links, promotion and the Markdown preview. Fields are checked
for form here; the rules (tags as slugs, no self-link, ...) are the services'."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.zk import services
from apps.zk.models import TAG_MAX, TITLE_MAX, CitationKind, LinkType, Note, NoteLink

RATIONALE_MAX = 5_000
IDS_MAX = 1_000  # the form's bound; the module setting PROMOTE_MAX_RECORDS is the rule


def _tags() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX),
        max_length=services.TAGS_MAX,
        required=False,
        help_text=_("Short slugs: lowercase letters, digits, '-' or '_' between them."),
    )


class NoteSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Who wrote it (empty: gone)."),
    )

    class Meta:
        model = Note
        fields = ["id", "title", "body", "tags", "source", "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class NoteInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    body = serializers.CharField(
        max_length=services.BODY_MAX,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        help_text=_("Markdown."),
    )
    tags = _tags()
    # Named like Field's own attribute: DRF's metaclass moves declared fields off the class.
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=services.SOURCE_MAX,
        allow_blank=True,
        required=False,
        help_text=_("Where it came from."),
    )


class LinkSerializer(serializers.ModelSerializer):
    from_note = serializers.UUIDField(source="from_note_id", read_only=True)
    to_note = serializers.UUIDField(source="to_note_id", read_only=True)
    from_title = serializers.CharField(source="from_note.title", read_only=True)
    to_title = serializers.CharField(source="to_note.title", read_only=True)

    class Meta:
        model = NoteLink
        fields = [
            "id", "type", "from_note", "to_note", "from_title", "to_title",
            "rationale", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class LinkInputSerializer(serializers.Serializer):
    to = serializers.UUIDField(help_text=_("The note linked to."))
    type = serializers.ChoiceField(choices=LinkType.choices)
    rationale = serializers.CharField(
        max_length=RATIONALE_MAX, allow_blank=True, required=False, default=""
    )


class PromoteSerializer(serializers.Serializer):
    module = serializers.CharField(max_length=100, help_text=_("The module whose L1 is quoted."))
    kind = serializers.ChoiceField(choices=CitationKind.choices)
    ids = serializers.ListField(
        child=serializers.CharField(max_length=64),
        min_length=1,
        max_length=IDS_MAX,
        help_text=_("The ids of its logs or prompt traces, quoted in this order."),
    )
    title = serializers.CharField(max_length=TITLE_MAX)
    tags = _tags()
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=services.SOURCE_MAX, allow_blank=True, required=False, default=""
    )
    intro = serializers.CharField(
        max_length=10_000,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Markdown put before the quotes."),
    )


class PreviewSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=services.BODY_MAX, allow_blank=True, trim_whitespace=False
    )


class PreviewResultSerializer(serializers.Serializer):
    html = serializers.CharField(help_text=_("The body rendered: raw HTML in it is escaped."))
