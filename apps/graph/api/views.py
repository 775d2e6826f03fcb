"""The module's API views. Its L1 memory's are the kit's (apps.core.memory.viewsets); to add
an action to one, subclass it here and pass it to `memory_routes` in urls.py.

The graph's views are thin: reads from apps.graph.selectors, writes through
apps.graph.services. Bad input is a 400 with field messages, an unknown uid a 404, a duplicate
unique key a 409, an unreachable graph server a 503 with Retry-After (GraphUnavailable).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.core.rest.errors import Conflict
from apps.graph import selectors, services, shapes
from apps.graph.api.serializers import (
    NeighbourhoodQuerySerializer,
    NeighbourhoodSerializer,
    NodeCreateSerializer,
    NodeSerializer,
    NodeUpdateSerializer,
    RelationshipCreateSerializer,
    RelationshipSerializer,
    SchemaSerializer,
    SearchQuerySerializer,
    StatsSerializer,
)

# Query parameters of the node list that are not property filters.
LIST_PARAMETERS = {"label", "module", "limit", "offset", "format"}


class GraphPage(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


@contextmanager
def _checked() -> Iterator[None]:
    """The graph's refusals as API errors."""
    try:
        yield
    except shapes.BadInput as bad:
        raise ValidationError(bad.errors) from bad
    except services.Duplicate as exc:
        raise Conflict(_("A node of this label already has this unique value.")) from exc


def _valid(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    incoming = serializer_class(data=data)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


def _not_found(uid: str) -> NotFound:
    return NotFound(shapes.unknown_node_message(uid))


UID = OpenApiParameter("uid", str, OpenApiParameter.PATH, description="The node's uid.")
REL_UID = OpenApiParameter("uid", str, OpenApiParameter.PATH, description="Its uid.")
FILTERS = [
    OpenApiParameter("label", str, description="Only nodes of this type."),
    OpenApiParameter("module", str, description="Only nodes of this module."),
    OpenApiParameter(
        "<property>",
        str,
        description="Only nodes whose declared property equals this value (give label=).",
    ),
]


@extend_schema(tags=["graph"])
class NodeViewSet(viewsets.ViewSet):
    """The graph's nodes: find by label, module and property; create (or MERGE on the type's
    merge key); read, change and delete by uid; a node's relationships and neighbourhood."""

    lookup_field = "uid"
    pagination_class = GraphPage
    conflict_actions = ("create", "partial_update")

    @extend_schema(parameters=FILTERS, responses=NodeSerializer(many=True))
    def list(self, request: Request) -> Response:
        params = request.query_params
        filters = {k: str(params[k]) for k in params if k not in LIST_PARAMETERS}
        with _checked():
            query = selectors.find_nodes(params.get("label"), params.get("module"), filters)
        paginator = GraphPage()
        page: list[Any] | None = paginator.paginate_queryset(
            query,  # type: ignore[arg-type]  # counted and sliced like a queryset
            request,
            view=self,
        )
        return paginator.get_paginated_response(page)

    @extend_schema(
        request=NodeCreateSerializer,
        responses={
            201: NodeSerializer,
            200: OpenApiResponse(NodeSerializer, description="merge: the node existed."),
        },
    )
    def create(self, request: Request) -> Response:
        data = _valid(NodeCreateSerializer, request.data)
        with _checked():
            node, created = services.create_node(
                data["label"],
                data["module"],
                data.get("name"),
                data["properties"],
                merge=data["merge"],
            )
        return Response(node, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(parameters=[UID], responses=NodeSerializer)
    def retrieve(self, request: Request, uid: str) -> Response:
        node = selectors.node(uid)
        if node is None:
            raise _not_found(uid)
        return Response(node)

    @extend_schema(parameters=[UID], request=NodeUpdateSerializer, responses=NodeSerializer)
    def partial_update(self, request: Request, uid: str) -> Response:
        data = _valid(NodeUpdateSerializer, request.data)
        with _checked():
            node = services.update_node(uid, data.get("name"), data["properties"])
        if node is None:
            raise _not_found(uid)
        return Response(node)

    @extend_schema(parameters=[UID], responses={204: None})
    def destroy(self, request: Request, uid: str) -> Response:
        if not services.delete_node(uid):
            raise _not_found(uid)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[UID], responses=RelationshipSerializer(many=True))
    @action(detail=True, methods=["get"])
    def relationships(self, request: Request, uid: str) -> Response:
        if not selectors.node_exists(uid):
            raise _not_found(uid)
        paginator = GraphPage()
        query = selectors.relationships_of(uid)
        page: list[Any] | None = paginator.paginate_queryset(
            query,  # type: ignore[arg-type]  # counted and sliced like a queryset
            request,
            view=self,
        )
        return paginator.get_paginated_response(page)

    @extend_schema(
        parameters=[UID, NeighbourhoodQuerySerializer], responses=NeighbourhoodSerializer
    )
    @action(detail=True, methods=["get"])
    def neighbourhood(self, request: Request, uid: str) -> Response:
        depth = _valid(NeighbourhoodQuerySerializer, request.query_params)["depth"]
        found = selectors.neighbourhood(uid, depth)
        if found is None:
            raise _not_found(uid)
        return Response(found)


@extend_schema(tags=["graph"])
class RelationshipViewSet(viewsets.ViewSet):
    """The graph's relationships: create between two nodes (by uid), read, delete."""

    lookup_field = "uid"

    @extend_schema(request=RelationshipCreateSerializer, responses={201: RelationshipSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(RelationshipCreateSerializer, request.data)
        with _checked():
            relationship = services.create_relationship(
                data["source"], data["target"], data["type"], data["properties"]
            )
        return Response(relationship, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[REL_UID], responses=RelationshipSerializer)
    def retrieve(self, request: Request, uid: str) -> Response:
        relationship = selectors.relationship(uid)
        if relationship is None:
            raise NotFound(_("No relationship with uid '%(uid)s'.") % {"uid": uid})
        return Response(relationship)

    @extend_schema(parameters=[REL_UID], responses={204: None})
    def destroy(self, request: Request, uid: str) -> Response:
        if not services.delete_relationship(uid):
            raise NotFound(_("No relationship with uid '%(uid)s'.") % {"uid": uid})
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["graph"])
class GraphViewSet(viewsets.ViewSet):
    """The whole graph: text search, counts, and its schema."""

    @extend_schema(parameters=[SearchQuerySerializer], responses=NodeSerializer(many=True))
    @action(detail=False, methods=["get"])
    def search(self, request: Request) -> Response:
        query = _valid(SearchQuerySerializer, request.query_params)
        with _checked():
            found = selectors.search(query["q"], query.get("label"), query["limit"])
        return Response(found)

    @extend_schema(responses=StatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        return Response(selectors.stats())

    @extend_schema(responses=SchemaSerializer)
    # Not named `schema`: that attribute is the view's OpenAPI schema.
    @action(detail=False, methods=["get"], url_path="schema")
    def graph_schema(self, request: Request) -> Response:
        return Response(selectors.schema())
