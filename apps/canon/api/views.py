"""The canon's API views, thin: reads from apps.canon.selectors, writes through
apps.canon.services. Records are archived (POST) and read, never changed: PUT, PATCH and DELETE
answer 405 `immutable` with the reason, as does any change the database itself refuses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from apps.canon import selectors, services
from apps.canon.api import serializers as shapes
from apps.canon.exceptions import Immutable, is_immutable_refusal
from apps.canon.models import ArchivedNote, ChainedRecord, EventTrace, MemoryLink, PrdLog
from apps.core.rest.errors import ErrorSerializer

CHANGES = ("PUT", "PATCH", "DELETE")


class CanonPage(CursorPagination):
    """Newest first, in the chain's order. A cursor whose position is not a number is refused
    like any other invalid cursor (DRF would put it into the query: a 500)."""

    ordering = "-seq"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 1000

    def decode_cursor(self, request: Request) -> Any:
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not (str(position).isdigit() and len(str(position)) <= 18):
            raise NotFound(self.invalid_cursor_message)
        return cursor


def _valid(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    incoming = serializer_class(data=data)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


def _provenance(request: Request, data: dict[str, Any]) -> services.Provenance:
    return services.Provenance(
        origin_module=data.pop("origin_module"),
        origin_l1_ids=data.pop("origin_l1_ids"),
        origin_note_id=data.pop("origin_note_id"),
        origin_event_id=data.pop("origin_event_id"),
        archived_by=request.user,
        agent=data.pop("agent"),
    )


NOT_FOUND = OpenApiResponse(ErrorSerializer, description="What is to be archived does not exist.")


class CanonViewSet(viewsets.GenericViewSet):
    """Shared by the canon's tables: filtered lists, one record, 405 for any change."""

    model: type[ChainedRecord]
    pagination_class = CanonPage
    conflict_actions = ("create",)
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.select_related("archived_by")

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method in CHANGES:
            raise Immutable()
        return super().http_method_not_allowed(request, *args, **kwargs)  # type: ignore[arg-type]

    def handle_exception(self, exc: Exception) -> Response:
        if is_immutable_refusal(exc):  # the database's triggers (SQLSTATE CN001)
            exc = Immutable()
        return super().handle_exception(exc)

    def _list(self, request: Request) -> Response:
        filters = _valid(shapes.ListQuerySerializer, request.query_params)
        rows = selectors.records(self.model, **filters).select_related("archived_by")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema(tags=["canon"])
class PrdViewSet(CanonViewSet):
    """PRD versions: archive one (a new version of its key), list them, a key's versions and
    its lineage."""

    model = PrdLog
    serializer_class = shapes.PrdSerializer
    lookup_field = "prd_key"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"

    @extend_schema(
        parameters=[shapes.ListQuerySerializer], responses=shapes.PrdSerializer(many=True)
    )
    def list(self, request: Request) -> Response:
        return self._list(request)

    @extend_schema(request=shapes.ArchivePrdSerializer, responses={201: shapes.PrdSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(shapes.ArchivePrdSerializer, request.data)
        provenance = _provenance(request, data)
        row = services.archive_prd_version(data.pop("prd_key"), provenance=provenance, **data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=shapes.PrdVersionsSerializer)
    def retrieve(self, request: Request, prd_key: str) -> Response:
        """A PRD's versions, oldest first."""
        versions = selectors.prd_versions(prd_key)
        if not versions:
            raise NotFound(_("No PRD '%(key)s' in the canon.") % {"key": prd_key})
        data = {"prd_key": prd_key, "versions": self.get_serializer(versions, many=True).data}
        return Response(data)

    @extend_schema(responses=shapes.LineageSerializer)
    @action(detail=True, methods=["get"])
    def lineage(self, request: Request, prd_key: str) -> Response:
        """The PRD's chain: versions -> traces -> links -> archived L3 notes -> L1 citations."""
        found = selectors.lineage(prd_key)
        if found is None:
            raise NotFound(_("No PRD '%(key)s' in the canon.") % {"key": prd_key})
        return Response(found)


@extend_schema(tags=["canon"])
class TraceViewSet(CanonViewSet):
    """Event traces: what triggered a PRD version."""

    model = EventTrace
    serializer_class = shapes.TraceSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("prd")

    @extend_schema(
        parameters=[shapes.ListQuerySerializer], responses=shapes.TraceSerializer(many=True)
    )
    def list(self, request: Request) -> Response:
        return self._list(request)

    @extend_schema(
        request=shapes.ArchiveTraceSerializer,
        responses={201: shapes.TraceSerializer, 404: NOT_FOUND},
    )
    def create(self, request: Request) -> Response:
        data = _valid(shapes.ArchiveTraceSerializer, request.data)
        provenance = _provenance(request, data)
        row = services.archive_trace(data.pop("prd_key"), provenance=provenance, **data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["canon"])
class LinkViewSet(CanonViewSet):
    """Memory links between nodes (graph uids or "module:kind:id" references)."""

    model = MemoryLink
    serializer_class = shapes.LinkSerializer

    @extend_schema(
        parameters=[shapes.ListQuerySerializer], responses=shapes.LinkSerializer(many=True)
    )
    def list(self, request: Request) -> Response:
        return self._list(request)

    @extend_schema(
        request=shapes.ArchiveLinkSerializer,
        responses={201: shapes.LinkSerializer, 404: NOT_FOUND},
    )
    def create(self, request: Request) -> Response:
        data = _valid(shapes.ArchiveLinkSerializer, request.data)
        provenance = _provenance(request, data)
        row = services.archive_link(
            data.pop("source_node"), data.pop("target_node"), data.pop("link_type"),
            provenance=provenance, **data,
        )  # fmt: skip
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["canon"])
class NoteViewSet(CanonViewSet):
    """Archived L3 notes: snapshots read through the "l3.note" contract."""

    model = ArchivedNote
    serializer_class = shapes.NoteSerializer

    @extend_schema(
        parameters=[shapes.ListQuerySerializer], responses=shapes.NoteSerializer(many=True)
    )
    def list(self, request: Request) -> Response:
        return self._list(request)

    @extend_schema(
        request=shapes.ArchiveNoteSerializer,
        responses={201: shapes.NoteSerializer, 404: NOT_FOUND},
    )
    def create(self, request: Request) -> Response:
        data = _valid(shapes.ArchiveNoteSerializer, request.data)
        provenance = _provenance(request, data)
        row = services.archive_note(data["note_id"], provenance=provenance)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["canon"])
class VerificationView(APIView):
    """The chains' last periodic check (as /status shows it)."""

    @extend_schema(responses=shapes.VerificationSerializer)
    def get(self, request: Request) -> Response:
        return Response(selectors.verification_report())
