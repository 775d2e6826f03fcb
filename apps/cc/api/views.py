from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from apps.cc import health as cc_health
from apps.cc import selectors
from apps.cc.api.filters import ModuleFilter
from apps.cc.api.serializers import (
    ConfigSerializer,
    ModuleHealthSerializer,
    ModuleSerializer,
    ModuleSettingChangeSerializer,
    ModuleStateChangeSerializer,
    PingSerializer,
    RedisHealthSerializer,
    StateChangeRequestSerializer,
    StateChangeResultSerializer,
    SystemHealthSerializer,
)
from apps.core.governance import services as governance
from apps.core.governance.models import Module, StateChangeVia
from apps.core.http import health
from apps.core.memory import viewsets as memory
from apps.core.modules import registry
from apps.core.rest.errors import Conflict
from apps.core.rest.permissions import OperationsAccess


class RegistryPage(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


@extend_schema(tags=["cc"])
class ModuleViewSet(viewsets.ModelViewSet):
    """The module registry. Installed modules appear on their own; others can be registered.
    Enable and disable are audited and follow the rules of governance (409 when refused)."""

    queryset = selectors.registered_modules()
    serializer_class = ModuleSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ModuleFilter
    pagination_class = RegistryPage
    # Answer 409 when refused (a duplicate name, a rule of governance): apps.core.rest.schema
    conflict_actions = ("create", "update", "partial_update", "destroy", "enable", "disable")

    def perform_create(self, serializer: BaseSerializer[Module]) -> None:
        with _conflicts_as_409():
            serializer.instance = governance.register_module(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Module]) -> None:
        assert serializer.instance is not None
        with _conflicts_as_409():
            serializer.instance = governance.update_module(
                serializer.instance,
                actor=self.request.user,
                via=StateChangeVia.API,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: Module) -> None:
        with _conflicts_as_409():
            governance.delete_module(instance)

    @extend_schema(request=StateChangeRequestSerializer, responses=StateChangeResultSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str) -> Response:
        return self._change_state(request, governance.enable_module)

    @extend_schema(request=StateChangeRequestSerializer, responses=StateChangeResultSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str) -> Response:
        return self._change_state(request, governance.disable_module)

    # All of a module's changes, newest first: one list, neither paged nor filtered.
    @extend_schema(responses=ModuleStateChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str) -> Response:
        changes = selectors.state_changes(self.get_object())
        return Response(ModuleStateChangeSerializer(changes, many=True).data)

    # The changes of a module's settings (its `config`), newest first: one list.
    @extend_schema(responses=ModuleSettingChangeSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="setting-history",
        pagination_class=None,
        filter_backends=[],
    )
    def setting_history(self, request: Request, pk: str) -> Response:
        changes = selectors.setting_changes(self.get_object())
        return Response(ModuleSettingChangeSerializer(changes, many=True).data)

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
    except (governance.RegistryConflict, governance.GovernanceRefused) as exc:
        raise Conflict(str(exc)) from exc


# No class-level extend_schema here: it would copy the kit's methods into this class, and a
# change to the kit would no longer reach it (the path tags it "cc" anyway).
class HealthViewSet(memory.HealthViewSet):
    """The module's health, for those who may view the module; the whole system's (ping, Redis,
    system health) for operators (apps.core.http.operations)."""

    # The kit's health/ and status/, and cc's ping, Redis and system health.

    @extend_schema(request=PingSerializer, responses=ModuleHealthSerializer)
    @action(detail=False, methods=["post"], permission_classes=[OperationsAccess])
    def ping(self, request: Request) -> Response:
        incoming = PingSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        part = health.check_module(incoming.validated_data["module"])
        return Response({"module": part.name, **part.as_dict()})

    @extend_schema(responses=RedisHealthSerializer)
    @action(
        detail=False,
        methods=["get"],
        url_path="redis-health",
        permission_classes=[OperationsAccess],
    )
    def redis_health(self, request: Request) -> Response:
        return Response(cc_health.redis_health())

    @extend_schema(
        responses={
            200: SystemHealthSerializer,
            503: OpenApiResponse(SystemHealthSerializer, description="A part is down."),
        }
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="system-health",
        permission_classes=[OperationsAccess],
    )
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
    @extend_schema(responses=ConfigSerializer)
    @action(detail=False, methods=["get"])
    def config(self, request: Request) -> Response:
        return Response(
            {
                "version": registry.get_module_config("cc").definition.version,
                "modules_loaded": [definition.code for definition in registry.modules()],
            }
        )
