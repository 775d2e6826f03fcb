from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.serializers import (
    ModuleDefinitionSerializer,
    SearchGroupSerializer,
    SearchParamsSerializer,
)
from apps.core.modules import registry
from apps.core.search.run import search_everything


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


@extend_schema(tags=["core"])
class SearchView(APIView):
    """Search every module you may view: its L1 logs, prompt traces and notes, and what the
    module keeps besides (graph nodes, L3 notes, L4 records, CMS pages), grouped by module.
    Only modules that found something are listed; 400 for an empty, too long or unsearchable
    query."""

    @extend_schema(
        operation_id="search",
        parameters=[SearchParamsSerializer],
        responses={200: SearchGroupSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        groups = search_everything(
            request.user, params.validated_data["q"], params.validated_data["limit"]
        )
        return Response(SearchGroupSerializer(groups, many=True).data)
