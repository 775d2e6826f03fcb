"""The answer to a sign-in locked out by django-axes: 429 with Retry-After, not a page."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, *_args: Any) -> HttpResponse:
    # axes calls this with (request, response, credentials) or (request, credentials).
    seconds = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())
    response = HttpResponse(
        _("Too many failed sign-ins from your address: try again in %(seconds)s seconds.")
        % {"seconds": seconds},
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response
