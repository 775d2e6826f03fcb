from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from apps.cc import health as cc_health
from apps.cc import selectors, services
from apps.cc.api.filters import LogFilter
from apps.cc.api.serializers import (
    LogSerializer,
    LogWriteSerializer,
    NoteQuerySerializer,
    NoteSerializer,
    NoteStatsSerializer,
    PingSerializer,
)
from apps.cc.models import ScratchNote
from apps.core import health, registry
from apps.core.services import log_l1


class NewestFirst(CursorPagination):
    ordering = ("-timestamp", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 1000


@extend_schema(tags=["cc"])
class LogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """cc's L1 log: write through log_l1, read with filters, newest first."""

    queryset = selectors.logs()
    serializer_class = LogSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LogFilter
    pagination_class = NewestFirst

    @extend_schema(request=LogWriteSerializer, responses={201: LogSerializer})
    def create(self, request: Request) -> Response:
        incoming = LogWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        recorded = log_l1("cc", **incoming.validated_data)
        log = selectors.logs().get(pk=recorded.base_log_id)
        return Response(LogSerializer(log).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["cc"])
class NoteViewSet(viewsets.ModelViewSet):
    """Scratch notes with an expiry (7 days unless `ttl_seconds` says otherwise)."""

    serializer_class = NoteSerializer
    queryset = selectors.notes(include_expired=True)

    @extend_schema(parameters=[NoteQuerySerializer])
    def list(self, request: Request) -> Response:
        query = NoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        found = selectors.notes(
            key_prefix=options["key_prefix"], include_expired=options["include_expired"]
        )
        page = found[options["offset"] : options["offset"] + options["limit"]]
        return Response({"count": found.count(), "results": NoteSerializer(page, many=True).data})

    def perform_create(self, serializer: BaseSerializer[ScratchNote]) -> None:
        serializer.instance = services.create_note(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[ScratchNote]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.update_note(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: ScratchNote) -> None:
        services.delete_note(instance)

    @action(detail=False, methods=["get"], url_path=r"key/(?P<key>[^/]+)")
    def by_key(self, request: Request, key: str) -> Response:
        note = selectors.note_by_key(key)
        if note is None:
            raise Http404(f"No unexpired note with key {key!r}.")
        return Response(NoteSerializer(note).data)

    @extend_schema(responses=NoteStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        return Response(NoteStatsSerializer(selectors.note_stats()).data)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"])
    def cleanup(self, request: Request) -> Response:
        return Response({"deleted": services.clean_expired_notes()})


@extend_schema(tags=["cc"])
class HealthViewSet(viewsets.ViewSet):
    """Health of cc, of each module, of Redis. Public: monitors call these without a login."""

    permission_classes = [AllowAny]

    @action(detail=False, methods=["get"])
    def health(self, request: Request) -> Response:
        part = health.check_module("cc")
        return Response(part.as_dict(), status=200 if part.up else 503)

    @action(detail=False, methods=["get"])
    def status(self, request: Request) -> Response:
        return Response({"status": "ok"})

    @extend_schema(request=PingSerializer)
    @action(detail=False, methods=["post"])
    def ping(self, request: Request) -> Response:
        incoming = PingSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        part = health.check_module(incoming.validated_data["module"])
        return Response({"module": part.name, **part.as_dict()})

    @action(detail=False, methods=["get"], url_path="redis-health")
    def redis_health(self, request: Request) -> Response:
        return Response(cc_health.redis_health())

    @action(detail=False, methods=["get"], url_path="system-health")
    def system_health(self, request: Request) -> Response:
        engines = health.check_parts()
        modules = health.check_modules()
        required = [*engines, *modules]
        return Response(
            {
                "status": health.overall_status(required),
                "engines": {part.name: part.as_dict() for part in engines},
                "modules": {part.name: part.as_dict() for part in modules},
            },
            status=200 if all(part.up for part in required) else 503,
        )


@extend_schema(tags=["cc"])
class ConfigView(viewsets.ViewSet):
    @action(detail=False, methods=["get"])
    def config(self, request: Request) -> Response:
        return Response(
            {
                "version": registry.get_module_config("cc").definition.version,
                "modules_loaded": [definition.code for definition in registry.modules()],
            }
        )
