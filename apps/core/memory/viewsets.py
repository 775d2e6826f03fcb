"""The kit's API: a module mounts it with one call in its api/urls.py,

    router = DefaultRouter()
    memory_routes(router, "books")

which registers logs/, prompt-traces/, notes/ and health/ + status/ for the module (its own
routes go on the same router). Each viewset reads its module from `module`; `memory_routes`
makes the per-module subclass. A module that adds actions subclasses a viewset and passes it
(cc: `memory_routes(router, "cc", health_viewset=HealthViewSet)`)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.serializers import BaseSerializer

from apps.core.api.serializers import HealthStatusSerializer, PartHealthSerializer
from apps.core.http import health
from apps.core.memory import notes, queries
from apps.core.memory.filters import LogFilter, PromptTraceFilter
from apps.core.memory.models import AbstractScratchNote
from apps.core.memory.recording import log_l1
from apps.core.memory.serializers import (
    LogFieldsSerializer,
    LogSerializer,
    LogWriteSerializer,
    NoteCleanupSerializer,
    NotePageSerializer,
    NoteQuerySerializer,
    NoteSerializer,
    NoteStatsSerializer,
    PromptTraceSerializer,
    PromptTraceWriteSerializer,
    log_representation,
)
from apps.core.rest.pagination import NewestFirst


class ModuleViewSetMixin:
    module: ClassVar[str] = ""  # the module code, set by memory_routes


class LogViewSet(
    ModuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The module's L1 log: write through log_l1, read with filters, newest first."""

    serializer_class = LogSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LogFilter
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Any]:
        return queries.logs(self.module)

    @extend_schema(request=LogWriteSerializer, responses={201: LogSerializer})
    def create(self, request: Request) -> Response:
        incoming = LogWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        recorded = log_l1(self.module, **incoming.validated_data)
        return Response(log_representation(recorded.base_log), status=status.HTTP_201_CREATED)


class PromptTraceViewSet(
    ModuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Prompts sent to models and their answers, with timing and token counts (L1 memory)."""

    serializer_class = PromptTraceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PromptTraceFilter
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Any]:
        return queries.prompt_traces(self.module)

    @extend_schema(request=PromptTraceWriteSerializer, responses={201: PromptTraceSerializer})
    def create(self, request: Request) -> Response:
        incoming = PromptTraceWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        log = {name: fields.pop(name) for name in LogFieldsSerializer._declared_fields}
        recorded = log_l1(self.module, **log, prompt=fields)
        trace = recorded.base_log.prompt  # type: ignore[attr-defined]
        return Response(PromptTraceSerializer(trace).data, status=status.HTTP_201_CREATED)


class NoteViewSet(ModuleViewSetMixin, viewsets.ModelViewSet):
    """Scratch notes with an expiry (7 days unless `ttl_seconds` says otherwise)."""

    serializer_class = NoteSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return queries.notes(self.module, include_expired=True)

    @extend_schema(parameters=[NoteQuerySerializer], responses=NotePageSerializer)
    def list(self, request: Request) -> Response:
        query = NoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        found = queries.notes(
            self.module,
            key_prefix=options["key_prefix"],
            include_expired=options["include_expired"],
        )
        page = found[options["offset"] : options["offset"] + options["limit"]]
        return Response({"count": found.count(), "results": NoteSerializer(page, many=True).data})

    def perform_create(self, serializer: BaseSerializer[AbstractScratchNote]) -> None:
        serializer.instance = notes.create_note(self.module, **serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[AbstractScratchNote]) -> None:
        assert serializer.instance is not None
        serializer.instance = notes.update_note(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: AbstractScratchNote) -> None:
        notes.delete_note(instance)

    @action(detail=False, methods=["get"], url_path=r"key/(?P<key>[^/]+)")
    def by_key(self, request: Request, key: str) -> Response:
        note = queries.note_by_key(self.module, key)
        if note is None:
            raise Http404(_("No unexpired note with key '%(key)s'.") % {"key": key})
        return Response(NoteSerializer(note).data)

    @extend_schema(responses=NoteStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        return Response(NoteStatsSerializer(queries.note_stats(self.module)).data)

    @extend_schema(request=None, responses=NoteCleanupSerializer)
    @action(detail=False, methods=["post"])
    def cleanup(self, request: Request) -> Response:
        return Response({"deleted": notes.clean_expired_notes(self.module)})


class HealthViewSet(ModuleViewSetMixin, viewsets.ViewSet):
    """The module's health, for those who may view the module (a token for monitors)."""

    @extend_schema(
        responses={
            200: PartHealthSerializer,
            503: OpenApiResponse(PartHealthSerializer, description="The module is down."),
        }
    )
    @action(detail=False, methods=["get"])
    def health(self, request: Request) -> Response:
        part = health.check_module(self.module)
        return Response(part.as_dict(), status=200 if part.up else 503)

    @extend_schema(responses=HealthStatusSerializer)
    @action(detail=False, methods=["get"])
    def status(self, request: Request) -> Response:
        return Response({"status": "ok"})


def for_module(viewset: type[Any], module: str) -> type[Any]:
    """`viewset` serving `module`. A plain subclass: it inherits every method, so a change to
    the kit's class reaches it (drf-spectacular's class decorator would copy them). The
    OpenAPI document tags it with the module's code from its path."""
    attributes = {"module": module, "__module__": viewset.__module__, "__doc__": viewset.__doc__}
    return type(viewset.__name__, (viewset,), attributes)


def memory_routes(
    router: BaseRouter,
    module: str,
    *,
    log_viewset: type[LogViewSet] = LogViewSet,
    prompt_trace_viewset: type[PromptTraceViewSet] = PromptTraceViewSet,
    note_viewset: type[NoteViewSet] = NoteViewSet,
    health_viewset: type[HealthViewSet] = HealthViewSet,
) -> None:
    """Register the kit's API for `module` on its router; pass a subclass to add to one."""
    router.register("logs", for_module(log_viewset, module), basename="log")
    router.register(
        "prompt-traces", for_module(prompt_trace_viewset, module), basename="prompt-trace"
    )
    router.register("notes", for_module(note_viewset, module), basename="note")
    router.register("", for_module(health_viewset, module), basename="health")
