"""The module's API views, thin: reads from apps.zk.selectors, writes through apps.zk.services.
Bad input is a 400 naming the field, an unknown note, link, module or L1 record a 404, a
duplicate link a 409, another module's L1 that the caller may not view a 403."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.core.rest.errors import Conflict, ErrorSerializer
from apps.zk import exceptions as zk
from apps.zk import selectors, services
from apps.zk.api.filters import NoteFilter
from apps.zk.api.serializers import (
    LinkInputSerializer,
    LinkSerializer,
    NoteInputSerializer,
    NoteSerializer,
    PreviewResultSerializer,
    PreviewSerializer,
    PromoteSerializer,
)
from apps.zk.models import Note, NoteLink
from apps.zk.rendering import render_markdown

LINK_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Its id.")


class ZkPage(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


@contextmanager
def _checked() -> Iterator[None]:
    """The services' refusals as API errors."""
    try:
        yield
    except zk.InvalidInput as bad:
        raise exceptions.ValidationError(bad.errors) from bad
    except zk.NotFound as missing:
        raise exceptions.NotFound(str(missing)) from missing
    except zk.Forbidden as refused:
        raise exceptions.PermissionDenied(str(refused)) from refused
    except zk.Duplicate as duplicate:
        raise Conflict(str(duplicate)) from duplicate


def _valid(serializer_class: type[Serializer], data: Any, partial: bool = False) -> dict[str, Any]:
    incoming = serializer_class(data=data, partial=partial)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


def _note(pk: str) -> Note:
    found = selectors.note(pk)
    if found is None:
        raise exceptions.NotFound(_("No note with id '%(id)s'.") % {"id": str(pk)[:100]})
    return found


@extend_schema(tags=["zk"])
class NoteViewSet(viewsets.GenericViewSet):
    """L3 notes: Markdown knowledge, tagged, linked to each other, citing L1 records. Search
    with ?q= (full text) and ?tag=."""

    serializer_class = NoteSerializer
    pagination_class = ZkPage
    filter_backends = [DjangoFilterBackend]
    filterset_class = NoteFilter
    conflict_actions = ("links",)  # a duplicate link: 409 (apps.core.rest.schema)

    def get_queryset(self) -> QuerySet[Note]:
        return selectors.notes()

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(NoteSerializer(page, many=True).data)

    @extend_schema(request=NoteInputSerializer, responses={201: NoteSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(NoteInputSerializer, request.data)
        with _checked():
            note = services.create_note(**data, created_by=request.user)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(NoteSerializer(_note(pk)).data)

    @extend_schema(request=NoteInputSerializer, responses=NoteSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._change(request, pk, partial=False)

    @extend_schema(request=NoteInputSerializer, responses=NoteSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._change(request, pk, partial=True)

    def _change(self, request: Request, pk: str, partial: bool) -> Response:
        note = _note(pk)
        data = _valid(NoteInputSerializer, request.data, partial=partial)
        if not partial:  # PUT replaces: what is left out is emptied
            data = {"body": "", "tags": [], "source": "", **data}
        with _checked():
            note = services.update_note(note, **data)
        return Response(NoteSerializer(note).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_note(_note(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"], responses=LinkSerializer(many=True), summary="The note's links."
    )
    @extend_schema(
        methods=["POST"],
        request=LinkInputSerializer,
        responses={201: LinkSerializer},
        summary="Link the note to another.",
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def links(self, request: Request, pk: str) -> Response:
        note = _note(pk)
        if request.method == "GET":
            return self._page_of(selectors.links_of(note))
        data = _valid(LinkInputSerializer, request.data)
        target = _note(str(data["to"]))
        with _checked():
            link = services.link_notes(note, target, data["type"], data["rationale"])
        return Response(LinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=LinkSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def backlinks(self, request: Request, pk: str) -> Response:
        """The links of other notes to this one."""
        return self._page_of(selectors.backlinks_of(_note(pk)))

    @extend_schema(
        request=PromoteSerializer,
        responses={
            201: NoteSerializer,
            # Not a path parameter's: core's schema cannot guess this one.
            404: OpenApiResponse(
                ErrorSerializer, description="No such module, or no such record (`not_found`)."
            ),
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def promote(self, request: Request) -> Response:
        """One note quoting L1 logs or prompt traces of a module, citing each (needs the view
        permission on that module too)."""
        data = _valid(PromoteSerializer, request.data)
        with _checked():
            note = services.promote_l1(
                data.pop("module"),
                data.pop("kind"),
                data.pop("ids"),
                data.pop("title"),
                **data,
                created_by=request.user,
                reader=request.user,
            )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    def _page_of(self, links: QuerySet[NoteLink]) -> Response:
        page = self.paginate_queryset(links)
        return self.get_paginated_response(LinkSerializer(page, many=True).data)


@extend_schema(tags=["zk"])
class LinkViewSet(viewsets.ViewSet):
    """A link between two notes: read or delete it by its id."""

    @extend_schema(parameters=[LINK_ID], responses=LinkSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(LinkSerializer(self._link(pk)).data)

    @extend_schema(parameters=[LINK_ID], responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.unlink_notes(self._link(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _link(self, pk: str) -> NoteLink:
        found = selectors.link(pk)
        if found is None:
            raise exceptions.NotFound(_("No link with id '%(id)s'.") % {"id": str(pk)[:100]})
        return found


@extend_schema(tags=["zk"])
class PreviewViewSet(viewsets.ViewSet):
    """Markdown rendered as the notes are: sanitised HTML (raw HTML escaped)."""

    @extend_schema(request=PreviewSerializer, responses=PreviewResultSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        body = _valid(PreviewSerializer, request.data)["body"]
        return Response({"html": render_markdown(body)})
