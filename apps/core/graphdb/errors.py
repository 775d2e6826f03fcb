"""Errors of the graph layer, in the API's one error shape."""

from __future__ import annotations

from rest_framework import exceptions

from apps.core.highway.subscribers import DependencyUnavailable

RETRY_AFTER_S = 5


class GraphUnavailable(exceptions.APIException, DependencyUnavailable):
    """503: the graph server is out of reach (or none is configured in this process). In a
    subscriber, the events wait in their stream until it is back."""

    status_code = 503
    default_detail = "The graph server is out of reach; try again later."
    default_code = "graph_unavailable"
    retry_after = RETRY_AFTER_S
