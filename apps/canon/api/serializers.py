"""The canon's API shapes: what a caller sends to archive, what the reads return, and the
query strings of the lists. Only form is checked here; the services decide 404 and 409."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.canon import refs
from apps.canon.models import ArchivedNote, EventTrace, LinkType, MemoryLink, PrdLog
from apps.core.rest.limits import BoundedJSONField, as_utc

PRD_KEY = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
MODULE_CODE = r"^([a-z][a-z0-9_]{0,63})?$"  # a module code, or empty
TEXT_MAX = 100_000
L1_IDS_MAX = 1000


class UTCDateTimeField(serializers.DateTimeField):
    """A date-time normalised to UTC; outside the years 1-9999 a 400, not a 500."""

    def to_internal_value(self, value: Any) -> datetime:
        moment = super().to_internal_value(value)
        try:
            return as_utc(moment)
        except ValueError:
            raise serializers.ValidationError(
                _("Enter a date-time between the years 1 and 9999.")
            ) from None


class ProvenanceSerializer(serializers.Serializer):
    """Where the record comes from (the user archiving it is the caller)."""

    origin_module = serializers.RegexField(
        MODULE_CODE, required=False, default="", allow_blank=True,
        help_text="The code of the module the record comes from.",
    )  # fmt: skip
    origin_l1_ids = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=list,
        max_length=L1_IDS_MAX,
        help_text="The ids of the L1 records it was made from.",
    )
    origin_note_id = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True,
        help_text="The id of the L3 note it was made from.",
    )  # fmt: skip
    origin_event_id = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True,
        help_text="The id of the event that caused it.",
    )  # fmt: skip
    agent = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True,
        help_text="The agent that archived it, if any.",
    )  # fmt: skip


class ArchivePrdSerializer(ProvenanceSerializer):
    prd_key = serializers.RegexField(
        PRD_KEY, help_text="The PRD's key, shared by all its versions (letters, digits, . _ -)."
    )
    title = serializers.CharField(max_length=500)
    summary = serializers.CharField(
        max_length=TEXT_MAX, required=False, default="", allow_blank=True
    )
    source = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)  # type: ignore[assignment]
    category = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    created_at = UTCDateTimeField(
        required=False, default=None, allow_null=True,
        help_text="When the PRD was written (default: now).",
    )  # fmt: skip


class ArchiveTraceSerializer(ProvenanceSerializer):
    prd_key = serializers.RegexField(PRD_KEY, help_text="The PRD the trace belongs to.")
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, default=None, allow_null=True,
        help_text="Its version (default: the latest).",
    )  # fmt: skip
    trigger = serializers.CharField(max_length=200, help_text="What triggered it.")
    context = BoundedJSONField(required=False, default=dict, help_text="A JSON object.")  # type: ignore[assignment]

    def validate_context(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Must be a JSON object."))
        return value


def validate_node(value: str) -> None:
    if not refs.is_valid(value):
        raise serializers.ValidationError(
            _('Give a graph node uid (32 hex digits) or a reference "module:kind:id".')
        )


class ArchiveLinkSerializer(ProvenanceSerializer):
    source_node = serializers.CharField(max_length=300, validators=[validate_node])
    target_node = serializers.CharField(max_length=300, validators=[validate_node])
    link_type = serializers.ChoiceField(choices=LinkType.choices)
    rationale = serializers.CharField(
        max_length=TEXT_MAX, required=False, default="", allow_blank=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["source_node"] == attrs["target_node"]:
            raise serializers.ValidationError(
                {"target_node": [_("A link joins two different nodes.")]}
            )
        return attrs


class ArchiveNoteSerializer(ProvenanceSerializer):
    note_id = serializers.CharField(max_length=64, help_text="The L3 note's id.")


class RecordSerializer(serializers.ModelSerializer):
    archived_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )


RECORD_FIELDS = [
    "id", "seq", "content_hash", "prev_hash", "row_hash", "origin_module", "origin_l1_ids",
    "origin_note_id", "origin_event_id", "archived_by", "agent", "archived_at",
]  # fmt: skip


class PrdSerializer(RecordSerializer):
    class Meta:
        model = PrdLog
        fields = [
            *RECORD_FIELDS, "prd_key", "version", "supersedes", "title", "summary", "source",
            "category", "created_at",
        ]  # fmt: skip


class TraceSerializer(RecordSerializer):
    prd_key = serializers.CharField(source="prd.prd_key", read_only=True)
    version = serializers.IntegerField(source="prd.version", read_only=True)

    class Meta:
        model = EventTrace
        fields = [*RECORD_FIELDS, "prd", "prd_key", "version", "trigger", "context"]


class LinkSerializer(RecordSerializer):
    class Meta:
        model = MemoryLink
        fields = [*RECORD_FIELDS, "source_node", "target_node", "link_type", "rationale"]


class NoteSerializer(RecordSerializer):
    class Meta:
        model = ArchivedNote
        fields = [*RECORD_FIELDS, "note_id", "version", "supersedes", "title", "body", "snapshot"]


class ListQuerySerializer(serializers.Serializer):
    origin_module = serializers.CharField(
        max_length=64, required=False, help_text="Only from this module."
    )
    category = serializers.CharField(
        max_length=100, required=False, help_text="PRDs of this category only."
    )
    since = UTCDateTimeField(required=False, help_text="Archived at or after this time.")
    until = UTCDateTimeField(required=False, help_text="Archived before this time.")
    q = serializers.CharField(
        max_length=200, required=False, help_text="Text in the title, summary or body (any case)."
    )


class PrdVersionsSerializer(serializers.Serializer):
    prd_key = serializers.CharField()
    versions = PrdSerializer(many=True, help_text="Oldest first.")


class LineageSerializer(serializers.Serializer):
    """A PRD's chain: its versions (each with its traces), the links touching the PRD or its
    traces, and the archived L3 notes they reach with the notes' L1 citations."""

    prd_key = serializers.CharField()
    versions = serializers.ListField(child=serializers.DictField())
    links = serializers.ListField(child=serializers.DictField())
    notes = serializers.ListField(child=serializers.DictField())


class VerificationSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="ok, broken, or unverified (never checked).")
    last_verification = serializers.DictField(allow_null=True)
    rows = serializers.DictField(child=serializers.IntegerField(), help_text="Rows per table.")
