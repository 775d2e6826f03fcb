"""The default API permission: signed in, the module enabled, and the module's permission.

The module is the URL namespace its api/urls.py is mounted under (/api/<code>/ -> <code>).
Reads need `core.view_module_<code>`, anything else `core.write_module_<code>`. Endpoints that
must stay public (health probes) set `permission_classes = [AllowAny]`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from apps.core import access, governance


def module_of_request(request: Request) -> str | None:
    match = request.resolver_match
    if match is None or not match.namespaces:
        return None
    return match.namespaces[0]


class ModuleDisabled(PermissionDenied):
    default_code = "module_disabled"


class ModuleAccess(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 with WWW-Authenticate
        code = module_of_request(request)
        if code is None:
            return True
        reason = governance.refusal(code)
        if reason is not None:
            raise ModuleDisabled(reason)
        if request.method in SAFE_METHODS:
            allowed = access.may_view(user, code)
            self.message = _("You may not view module '%(code)s'.") % {"code": code}
        else:
            allowed = access.may_write(user, code)
            self.message = _("You may not write to module '%(code)s'.") % {"code": code}
        return allowed
