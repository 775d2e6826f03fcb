"""Errors of the graph layer, in the API's one error shape."""

from __future__ import annotations

from rest_framework import exceptions

RETRY_AFTER_S = 5


class GraphUnavailable(exceptions.APIException):
    """503: the graph server is out of reach (or none is configured in this process)."""

    status_code = 503
    default_detail = "The graph server is out of reach; try again later."
    default_code = "graph_unavailable"
    retry_after = RETRY_AFTER_S
