from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.serializers import ModuleDefinitionSerializer
from apps.core.modules import registry


@extend_schema(tags=["core"])
class ModuleDefinitionViewSet(viewsets.ViewSet):
    """The installed COS modules, in dependency order (read-only: modules come from code)."""

    serializer_class = ModuleDefinitionSerializer
    lookup_field = "code"

    def list(self, request: Request) -> Response:
        return Response(self.serializer_class(registry.modules(), many=True).data)

    @extend_schema(parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)])
    def retrieve(self, request: Request, code: str) -> Response:
        try:
            config = registry.get_module_config(code)
        except LookupError as exc:
            raise Http404(str(exc)) from exc
        return Response(self.serializer_class(config.definition).data)
