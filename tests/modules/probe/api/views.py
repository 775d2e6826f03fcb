from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from apps.core.rest.errors import ErrorSerializer
from apps.core.rest.permissions import ModuleAccess
from tests.modules.probe import services
from tests.modules.probe.api.serializers import (
    ItemSerializer,
    NoteSerializer,
    PublicSerializer,
    WaitedSerializer,
    WaitQuerySerializer,
)
from tests.modules.probe.models import Item


class ItemViewSet(viewsets.ModelViewSet):
    queryset = Item.objects.order_by("id")
    serializer_class = ItemSerializer
    # The module's own rules on top of COS's (module enabled, module view/write permission).
    permission_classes = [ModuleAccess, permissions.DjangoModelPermissions]

    def perform_create(self, serializer: BaseSerializer[Item]) -> None:
        serializer.instance = services.create_item(**serializer.validated_data)

    @extend_schema(responses=NoteSerializer(many=True))
    @action(detail=True, methods=["get"])
    def notes(self, request: Request, pk: str) -> Response:
        """The item's notes (kept in the module's L1 memory schema)."""
        return Response(NoteSerializer(self.get_object().notes.order_by("id"), many=True).data)

    @extend_schema(responses=PublicSerializer)
    @action(detail=False, methods=["get"], permission_classes=[permissions.AllowAny])
    def public(self, request: Request) -> Response:
        """Public on purpose: governance must refuse it too while the module is disabled."""
        return Response({"public": True})

    @extend_schema(parameters=[WaitQuerySerializer], responses=WaitedSerializer)
    @action(detail=False, methods=["get"], permission_classes=[permissions.AllowAny])
    def wait(self, request: Request) -> Response:
        """Holds a database connection for `seconds` (at most 5): load and pool tests."""
        query = WaitQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        seconds = query.validated_data["seconds"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
        return Response({"waited": seconds})

    @extend_schema(responses={500: ErrorSerializer})
    @action(detail=False, methods=["get"])
    def boom(self, request: Request) -> Response:
        """Fails on purpose: the JSON 500 shape is tested against it."""
        raise RuntimeError("probe failure")
