from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from apps.cc import health as cc_health
from apps.cc import selectors, services
from apps.cc.api.filters import LogFilter, ModuleFilter, PromptTraceFilter
from apps.cc.api.serializers import (
    ConfigSerializer,
    LogFieldsSerializer,
    LogSerializer,
    LogWriteSerializer,
    ModuleHealthSerializer,
    ModuleSerializer,
    ModuleStateChangeSerializer,
    NoteCleanupSerializer,
    NotePageSerializer,
    NoteQuerySerializer,
    NoteSerializer,
    NoteStatsSerializer,
    PingSerializer,
    PromptTraceSerializer,
    PromptTraceWriteSerializer,
    RedisHealthSerializer,
    StateChangeRequestSerializer,
    StateChangeResultSerializer,
    SystemHealthSerializer,
    log_representation,
)
from apps.cc.models import Module, ScratchNote, StateChangeVia
from apps.core import health, registry
from apps.core.api.errors import Conflict
from apps.core.api.pagination import NewestFirst
from apps.core.api.serializers import HealthStatusSerializer, PartHealthSerializer
from apps.core.services import log_l1


# >>> cc only
class RegistryPage(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


# <<< cc only


@extend_schema(tags=["cc"])
class LogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The module's L1 log: write through log_l1, read with filters, newest first."""

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
        return Response(log_representation(recorded.base_log), status=status.HTTP_201_CREATED)


@extend_schema(tags=["cc"])
class PromptTraceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Prompts sent to models and their answers, with timing and token counts (L1 memory)."""

    queryset = selectors.prompt_traces()
    serializer_class = PromptTraceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PromptTraceFilter
    pagination_class = NewestFirst

    @extend_schema(request=PromptTraceWriteSerializer, responses={201: PromptTraceSerializer})
    def create(self, request: Request) -> Response:
        incoming = PromptTraceWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        log = {name: fields.pop(name) for name in LogFieldsSerializer._declared_fields}
        recorded = log_l1("cc", **log, prompt=fields)
        trace = recorded.base_log.prompt  # type: ignore[attr-defined]
        return Response(PromptTraceSerializer(trace).data, status=status.HTTP_201_CREATED)


# >>> cc only
@extend_schema(tags=["cc"])
class ModuleViewSet(viewsets.ModelViewSet):
    """The module registry. Installed modules appear on their own; others can be registered.
    Enable and disable are audited and follow the rules of governance (409 when refused)."""

    queryset = selectors.registered_modules()
    serializer_class = ModuleSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ModuleFilter
    pagination_class = RegistryPage
    # Answer 409 when refused (a duplicate name, a rule of governance): apps.core.api.schema
    conflict_actions = ("create", "update", "partial_update", "destroy", "enable", "disable")

    def perform_create(self, serializer: BaseSerializer[Module]) -> None:
        with _conflicts_as_409():
            serializer.instance = services.register_module(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Module]) -> None:
        assert serializer.instance is not None
        with _conflicts_as_409():
            serializer.instance = services.update_module(
                serializer.instance, **serializer.validated_data
            )

    def perform_destroy(self, instance: Module) -> None:
        with _conflicts_as_409():
            services.delete_module(instance)

    @extend_schema(request=StateChangeRequestSerializer, responses=StateChangeResultSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str) -> Response:
        return self._change_state(request, services.enable_module)

    @extend_schema(request=StateChangeRequestSerializer, responses=StateChangeResultSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str) -> Response:
        return self._change_state(request, services.disable_module)

    # All of a module's changes, newest first: one list, neither paged nor filtered.
    @extend_schema(responses=ModuleStateChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str) -> Response:
        changes = selectors.state_changes(self.get_object())
        return Response(ModuleStateChangeSerializer(changes, many=True).data)

    def _change_state(self, request: Request, change: Any) -> Response:
        module = self.get_object()
        incoming = StateChangeRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with _conflicts_as_409():
            reason = incoming.validated_data["reason"]
            changed = change(module.name, actor=request.user, reason=reason, via=StateChangeVia.API)
        module.refresh_from_db()
        result = {"module": module, "changed": [m.name for m in changed]}
        return Response(StateChangeResultSerializer(result).data)


@contextmanager
def _conflicts_as_409() -> Iterator[None]:
    try:
        yield
    except (services.RegistryConflict, services.GovernanceRefused) as exc:
        raise Conflict(str(exc)) from exc


# <<< cc only
@extend_schema(tags=["cc"])
class NoteViewSet(viewsets.ModelViewSet):
    """Scratch notes with an expiry (7 days unless `ttl_seconds` says otherwise)."""

    serializer_class = NoteSerializer
    queryset = selectors.notes(include_expired=True)

    @extend_schema(parameters=[NoteQuerySerializer], responses=NotePageSerializer)
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
            raise Http404(_("No unexpired note with key '%(key)s'.") % {"key": key})
        return Response(NoteSerializer(note).data)

    @extend_schema(responses=NoteStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        return Response(NoteStatsSerializer(selectors.note_stats()).data)

    @extend_schema(request=None, responses=NoteCleanupSerializer)
    @action(detail=False, methods=["post"])
    def cleanup(self, request: Request) -> Response:
        return Response({"deleted": services.clean_expired_notes()})


@extend_schema(tags=["cc"])
class HealthViewSet(viewsets.ViewSet):
    """The module's health, public: monitors call these without a login."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: PartHealthSerializer,
            503: OpenApiResponse(PartHealthSerializer, description="The module is down."),
        }
    )
    @action(detail=False, methods=["get"])
    def health(self, request: Request) -> Response:
        part = health.check_module("cc")
        return Response(part.as_dict(), status=200 if part.up else 503)

    @extend_schema(responses=HealthStatusSerializer)
    @action(detail=False, methods=["get"])
    def status(self, request: Request) -> Response:
        return Response({"status": "ok"})

    # >>> cc only
    @extend_schema(request=PingSerializer, responses=ModuleHealthSerializer)
    @action(detail=False, methods=["post"])
    def ping(self, request: Request) -> Response:
        incoming = PingSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        part = health.check_module(incoming.validated_data["module"])
        return Response({"module": part.name, **part.as_dict()})

    @extend_schema(responses=RedisHealthSerializer)
    @action(detail=False, methods=["get"], url_path="redis-health")
    def redis_health(self, request: Request) -> Response:
        return Response(cc_health.redis_health())

    @extend_schema(
        responses={
            200: SystemHealthSerializer,
            503: OpenApiResponse(SystemHealthSerializer, description="A part is down."),
        }
    )
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

    # <<< cc only


# >>> cc only
@extend_schema(tags=["cc"])
class ConfigView(viewsets.ViewSet):
    @extend_schema(responses=ConfigSerializer)
    @action(detail=False, methods=["get"])
    def config(self, request: Request) -> Response:
        return Response(
            {
                "version": registry.get_module_config("cc").definition.version,
                "modules_loaded": [definition.code for definition in registry.modules()],
            }
        )


# <<< cc only
