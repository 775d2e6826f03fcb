from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from apps.cc import selectors
from apps.cc.api.filters import LogFilter
from apps.cc.api.serializers import LogSerializer, LogWriteSerializer
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
