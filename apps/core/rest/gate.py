"""The governance gate in front of every module API view (mounted by apps.core.modules.mounting)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from apps.core import governance
from apps.core.rest.errors import json_error
from apps.core.rest.permissions import checks_module_access

DISABLED = "module_disabled"


def gate_api_view(view: Callable[..., Any], code: str) -> Callable[..., Any]:
    """`view`, refusing with 403 {"code": "module_disabled"} while module `code` is disabled.

    Views that run ModuleAccess are left to it (it answers 401 to strangers first). Attributes
    DRF and drf-spectacular read from the callback (cls, initkwargs, actions) are kept."""
    if not governance.governed(code) or checks_module_access(view):
        return view

    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def gated_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            reason = governance.refusal(code, await governance.amodule_states())
            if reason is not None:
                return _refused(reason)
            return await view(request, *args, **kwargs)

        return gated_async

    @functools.wraps(view)
    def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        reason = governance.refusal(code)
        if reason is not None:
            return _refused(reason)
        return view(request, *args, **kwargs)

    return gated


def _refused(reason: str) -> HttpResponseBase:
    return json_error(403, DISABLED, reason)
